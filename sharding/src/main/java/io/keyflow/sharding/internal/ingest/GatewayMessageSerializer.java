package io.keyflow.sharding.internal.ingest;

import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.codec.CompactCodec;
import io.keyflow.persistence.codec.CompactIn;
import io.keyflow.persistence.codec.CompactOut;
import io.keyflow.persistence.codec.CompactSerializer;
import io.keyflow.sharding.internal.ingest.IngestGateway.ApplyShares;
import io.keyflow.sharding.internal.ingest.IngestGateway.Share;
import io.keyflow.sharding.internal.ingest.IngestGateway.SharesApplied;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * {@link ApplyShares}, the message that carries a request's records to the node that owns their key
 * groups, in the journal's compact encoding ({@link CompactCodec}): field names once per message,
 * numbers as varints, the reply address in Pekko's serialization format. The answer is small and
 * stays with Jackson CBOR.
 */
public final class GatewayMessageSerializer extends CompactSerializer {

  /** This serializer's id in Pekko's registry (unique among the bound serializers). */
  public static final int IDENTIFIER = 731_003;
  static final String APPLY_SHARES = "A1";

  public GatewayMessageSerializer(ExtendedActorSystem system) {
    super(system, IDENTIFIER, "message", Map.of(ApplyShares.class, APPLY_SHARES));
  }

  @Override
  protected void write(String manifest, Object o, CompactOut out) {
    ApplyShares m = (ApplyShares) o;
    List<Part> parts = new ArrayList<>(m.shares().size());
    m.shares().forEach(s -> parts.add(s.part()));
    CompactCodec.Names names = CompactCodec.Names.ofParts(parts);
    names.write(out);
    out.string(resolver().toSerializationFormat(m.replyTo()));
    out.string(m.pipeline());
    out.varInt(m.shares().size());
    m.shares().forEach(s -> out.varInt(s.keyGroup()));
    CompactCodec.writeParts(out, names, parts);
  }

  @Override
  protected Object read(String manifest, CompactIn in) {
    String[] names = in.names();
    ActorRef<SharesApplied> replyTo = resolver().resolveActorRef(in.string());
    String pipeline = in.string();
    int count = in.count();
    int[] keyGroups = new int[count];
    for (int i = 0; i < count; i++) {
      keyGroups[i] = in.varInt();
    }
    List<Part> parts = CompactCodec.readParts(in, names);
    if (parts.size() != count) {
      throw new IllegalStateException(count + " key groups but " + parts.size() + " parts");
    }
    List<Share> shares = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      shares.add(new Share(keyGroups[i], parts.get(i)));
    }
    return new ApplyShares(pipeline, shares, replyTo);
  }
}
