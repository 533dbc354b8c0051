/**
 * The compact binary encoding of records (field names once per message, varints), shared by the
 * journal events, the record-carrying messages of this module and the sharding module's gateway
 * messages.
 */
package io.keyflow.persistence.codec;
