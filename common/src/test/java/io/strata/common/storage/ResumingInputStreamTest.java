package io.strata.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResumingInputStreamTest {
    private final byte[] object = new byte[100_000];
    private final List<Long> reopenedAt = new ArrayList<>();

    ResumingInputStreamTest() {
        for (int i = 0; i < object.length; i++) {
            object[i] = (byte) (i * 31);
        }
    }

    @Test
    void aBodyCutMidReadIsResumedFromWhereItBrokeAndReadsWhole() throws IOException {
        ResumingInputStream in = new ResumingInputStream(cutAfter(0, 30_000), offset -> {
            reopenedAt.add(offset);
            return offset < 60_000 ? cutAfter(offset, 60_000) : from(offset);
        });

        byte[] read = in.readAllBytes();

        assertThat(read).isEqualTo(object);
        assertThat(reopenedAt).containsExactly(30_000L, 60_000L);
        assertThat(in.resumes()).isEqualTo(2);
    }

    @Test
    void aBodyThatKeepsBreakingFailsAfterTheLastResume() {
        ResumingInputStream in = new ResumingInputStream(cutAfter(0, 10), offset -> cutAfter(offset, offset + 10));

        assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("reset");
        assertThat(in.resumes()).isEqualTo(ResumingInputStream.MAX_RESUMES);
    }

    private InputStream from(long offset) {
        return new ByteArrayInputStream(object, (int) offset, object.length - (int) offset);
    }

    /** The object from {@code offset}, broken (connection reset) once {@code end} is reached. */
    private InputStream cutAfter(long offset, long end) {
        byte[] part = Arrays.copyOfRange(object, (int) offset, (int) end);
        InputStream good = new ByteArrayInputStream(part);
        return new InputStream() {
            @Override
            public int read() throws IOException {
                int b = good.read();
                if (b < 0) {
                    throw new IOException("Connection reset (test)");
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = good.read(b, off, len);
                if (n < 0) {
                    throw new IOException("Connection reset (test)");
                }
                return n;
            }
        };
    }
}
