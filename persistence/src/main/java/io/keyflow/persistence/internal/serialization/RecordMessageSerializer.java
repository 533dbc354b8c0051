package io.keyflow.persistence.internal.serialization;

import io.keyflow.persistence.Idempotency.Claim;
import io.keyflow.persistence.KeyGroupEntity.BatchAccepted;
import io.keyflow.persistence.KeyGroupEntity.ForwardAccepted;
import io.keyflow.persistence.KeyGroupEntity.ForwardBatch;
import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.KeyGroupEntity.ProcessBatch;
import io.keyflow.persistence.codec.CompactCodec;
import io.keyflow.persistence.codec.CompactIn;
import io.keyflow.persistence.codec.CompactOut;
import io.keyflow.persistence.codec.CompactSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The messages that carry records from the node that took a request to the node that runs the key
 * group ({@link ProcessBatch}, and {@link ForwardBatch} between stages), in the compact encoding of
 * the journal events ({@link CompactCodec}): field names once per message, numbers as varints. With
 * Jackson CBOR every record was a map repeating its field names, written and parsed by reflection,
 * for every key group share of every request that another node's key group holds.
 *
 * <p>The reply address travels in Pekko's own serialization format. The
 * manifest names the layout; a layout this version does not know fails loudly.
 */
public final class RecordMessageSerializer extends CompactSerializer {

  /** This serializer's id in Pekko's registry (unique among the bound serializers). */
  public static final int IDENTIFIER = 731_002;
  static final String PROCESS_BATCH = "P1";
  static final String FORWARD_BATCH = "W1";

  public RecordMessageSerializer(ExtendedActorSystem system) {
    super(system, IDENTIFIER, "message", Map.of(ProcessBatch.class, PROCESS_BATCH, ForwardBatch.class, FORWARD_BATCH));
  }

  @Override
  protected void write(String manifest, Object o, CompactOut out) {
    if (o instanceof ProcessBatch m) {
      CompactCodec.Names names = CompactCodec.Names.ofParts(m.parts());
      names.write(out);
      out.string(resolver().toSerializationFormat(m.replyTo()));
      CompactCodec.writeParts(out, names, m.parts());
      out.varInt(m.claims().size());
      for (Claim c : m.claims()) {
        out.string(c.key());
        out.string(c.fingerprint());
        out.varLong(c.firstSentAt());
        out.string(c.producerId());
        out.varLong(c.producerEpoch());
        out.varLong(c.producerSeq());
      }
    } else if (o instanceof ForwardBatch m) {
      CompactCodec.Names names = CompactCodec.Names.ofForwarded(m.records());
      names.write(out);
      out.string(resolver().toSerializationFormat(m.replyTo()));
      out.string(m.source());
      CompactCodec.writeForwarded(out, names, m.records());
    }
  }

  @Override
  protected Object read(String manifest, CompactIn in) {
    switch (manifest) {
      case PROCESS_BATCH -> {
        String[] names = in.names();
        ActorRef<BatchAccepted> replyTo = resolver().resolveActorRef(in.string());
        List<Part> parts = CompactCodec.readParts(in, names);
        int claimCount = in.count();
        List<Claim> claims = new ArrayList<>(claimCount);
        for (int i = 0; i < claimCount; i++) {
          claims.add(new Claim(in.string(), in.string(), in.varLong(), in.string(), in.varLong(), in.varLong()));
        }
        return new ProcessBatch(parts, claims, replyTo);
      }
      case FORWARD_BATCH -> {
        String[] names = in.names();
        ActorRef<ForwardAccepted> replyTo = resolver().resolveActorRef(in.string());
        String source = in.string();
        List<Forwarded> records = CompactCodec.readForwarded(in, names);
        return new ForwardBatch(source, records, replyTo);
      }
      default -> throw new IllegalArgumentException(manifest);
    }
  }
}
