/**
 * The Pekko serializers of the record-carrying journal events and messages, in the compact encoding.
 * Their ids and manifests (not their class names) are what the journal stores and nodes exchange.
 */
package io.keyflow.persistence.internal.serialization;
