package io.strata.platform.postgres;

import io.strata.common.model.FailureCode;
import io.strata.platform.jobs.JobFailureException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * {@code strata.sources.allowed-networks}: the networks sources may live in, as CIDR blocks
 * ({@code 10.0.0.0/8}, {@code 127.0.0.1/32}, {@code fd00::/8}). Empty allows any address. A host is
 * resolved and every address it resolves to must be inside a block, so a name cannot smuggle in an
 * address (a cloud metadata service, say) that an operator kept out.
 */
public final class SourceNetworks {
    private final List<Block> blocks;

    private SourceNetworks(List<Block> blocks) {
        this.blocks = blocks;
    }

    /** @throws IllegalArgumentException naming the first entry that is not a CIDR block */
    public static SourceNetworks of(List<String> cidrs) {
        return new SourceNetworks(
                cidrs == null ? List.of() : cidrs.stream().map(Block::parse).toList());
    }

    /**
     * @throws SourceNotAllowedException when the host resolves to an address outside every block, or
     *     cannot be resolved while a restriction is configured
     */
    public void requireAllowed(String host) {
        if (blocks.isEmpty()) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new SourceNotAllowedException(
                    "cannot resolve host '" + host + "'; with strata.sources.allowed-networks"
                            + " set, a source's host must resolve to an address inside " + describe());
        }
        for (InetAddress address : addresses) {
            if (blocks.stream().noneMatch(block -> block.contains(address))) {
                throw new SourceNotAllowedException("host '" + host + "' resolves to " + address.getHostAddress()
                        + ", which is outside the networks sources may be in (strata.sources.allowed-networks: "
                        + describe() + ")");
            }
        }
    }

    public String describe() {
        return String.join(", ", blocks.stream().map(Block::text).toList());
    }

    /** A host outside the allowed networks: a job fails with SOURCE_NOT_ALLOWED, the gateway answers 422. */
    public static final class SourceNotAllowedException extends JobFailureException {
        public SourceNotAllowedException(String message) {
            super(FailureCode.SOURCE_NOT_ALLOWED, message, false);
        }
    }

    private record Block(String text, byte[] network, int prefix) {
        static Block parse(String cidr) {
            String text = cidr == null ? "" : cidr.strip();
            int slash = text.indexOf('/');
            try {
                if (slash <= 0 || !text.substring(0, slash).matches("[0-9A-Fa-f:.]+")) {
                    throw new IllegalArgumentException();
                }
                byte[] network = InetAddress.getByName(text.substring(0, slash)).getAddress();
                int prefix = Integer.parseInt(text.substring(slash + 1));
                if (prefix < 0 || prefix > network.length * 8) {
                    throw new IllegalArgumentException();
                }
                return new Block(text, network, prefix);
            } catch (IllegalArgumentException | UnknownHostException e) {
                throw new IllegalArgumentException("strata.sources.allowed-networks: '" + text
                        + "' is not a CIDR block such as 10.0.0.0/8 or fd00::/8");
            }
        }

        boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            if (bytes.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            if (!Arrays.equals(bytes, 0, full, network, 0, full)) {
                return false;
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (bytes[full] & mask) == (network[full] & mask);
        }
    }
}
