/** Local transports. */
@NullMarked
package io.communica.local;

import org.jspecify.annotations.NullMarked;
