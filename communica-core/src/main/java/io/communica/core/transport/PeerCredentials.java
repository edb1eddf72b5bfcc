package io.communica.core.transport;

/**
 * The operating-system identity of the process at the other end of a local connection, as the
 * kernel reports it (SO_PEERCRED or getpeereid).
 *
 * @param pid process id, or -1 where the platform does not tell it
 * @param uid user id
 * @param gid primary group id, or -1 where unknown
 * @since 0.1
 */
public record PeerCredentials(long pid, long uid, long gid) {}
