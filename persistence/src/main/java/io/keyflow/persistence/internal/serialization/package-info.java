/**
 * The Pekko serializers of the record-carrying journal events and messages, in the compact encoding.
 * Their ids and manifests (not their class names) are what the journal stores and nodes exchange.
 * They use the top-level protocol; nothing uses them in code (Pekko finds them by the bindings in
 * reference.conf), so no package depends on this one.
 */
package io.keyflow.persistence.internal.serialization;
