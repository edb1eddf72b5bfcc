package io.communica.hub;

/**
 * A signal: no payload, only who sent it and a small number saying what kind it is.
 *
 * @param sender the id of the node that sent it
 * @param kind 0 to 65535, chosen by the application
 * @since 0.3
 */
public record Signal(String sender, int kind) {}
