package io.communica.hub;

/**
 * A node joined to a hub.
 *
 * @param id the node's id (its client id, kept across reconnects)
 * @param name the name it gave (not unique)
 * @param pid its process id: the one the kernel reports on local sockets, the one the node says
 *     elsewhere
 * @param connected whether it is connected now (false within its reconnect window)
 * @since 0.3
 */
public record NodeInfo(String id, String name, long pid, boolean connected) {}
