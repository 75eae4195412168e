package io.strata.common.storage;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A streamed write. Write the bytes, then {@link #complete()} to make the object visible, or
 * {@link #abort()} to leave nothing behind. {@link #close()} without {@code complete()} aborts, so a
 * failure half way never publishes half an object.
 */
public abstract class ObjectUpload extends OutputStream {
    private boolean finished;

    /** Makes the object durable and visible; returns how many bytes it holds. */
    public final long complete() throws IOException {
        if (finished) {
            throw new IllegalStateException("upload already finished");
        }
        finished = true;
        return doComplete();
    }

    public final void abort() {
        if (!finished) {
            finished = true;
            doAbort();
        }
    }

    @Override
    public void close() {
        abort();
    }

    protected abstract long doComplete() throws IOException;

    protected abstract void doAbort();
}
