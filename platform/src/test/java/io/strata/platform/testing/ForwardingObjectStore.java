package io.strata.platform.testing;

import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ObjectUpload;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** An {@link ObjectStore} that passes every call to another: a test overrides only the calls it breaks. */
public abstract class ForwardingObjectStore implements ObjectStore {
    protected final ObjectStore delegate;

    protected ForwardingObjectStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public ObjectUpload create(String key) throws IOException {
        return delegate.create(key);
    }

    @Override
    public void put(String key, byte[] content) throws IOException {
        delegate.put(key, content);
    }

    @Override
    public void put(String key, long length, Content content) throws IOException {
        delegate.put(key, length, content);
    }

    @Override
    public InputStream open(String key) throws IOException {
        return delegate.open(key);
    }

    @Override
    public InputStream openRange(String key, long offset, long length) throws IOException {
        return delegate.openRange(key, offset, length);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        return delegate.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        delegate.delete(key);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public List<PendingUpload> pendingUploads(String prefix) throws IOException {
        return delegate.pendingUploads(prefix);
    }

    @Override
    public void abortUpload(PendingUpload upload) throws IOException {
        delegate.abortUpload(upload);
    }
}
