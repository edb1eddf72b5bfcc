/**
 * The connector contract: what every transport must do, as JUnit tests a transport module runs
 * against its own connector ({@link io.communica.test.contract.ConnectorContract}, and {@link
 * io.communica.test.contract.CrossProcessContract} for transports that reach other processes).
 */
@NullMarked
package io.communica.test.contract;

import org.jspecify.annotations.NullMarked;
