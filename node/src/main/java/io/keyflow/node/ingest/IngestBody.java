package io.keyflow.node.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.coding.Coder;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.scaladsl.coding.Coders;
import org.apache.pekko.http.scaladsl.coding.Decoder;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.StreamLimitReachedException;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * Reads an ingest body whole, undoing its {@code Content-Encoding} (gzip or deflate, with
 * pekko-http's coders; identity as it is). {@code max-body-size} bounds both the bytes received and
 * the bytes they decode to: decoding stops, and the read fails with 413, as soon as the decoded
 * body passes it, so a small compressed body that inflates without end costs at most that much.
 */
public final class IngestBody {

  /** A body refused before parsing: its status (400, 413) and a message for the client. */
  public static final class Refused extends RuntimeException {
    private final transient StatusCode status;

    public Refused(StatusCode status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    public StatusCode status() {
      return status;
    }
  }

  private final long maxBytes;
  private final Duration readTimeout;
  private final Materializer materializer;

  public IngestBody(long maxBytes, Duration readTimeout, Materializer materializer) {
    this.maxBytes = maxBytes;
    this.readTimeout = readTimeout;
    this.materializer = materializer;
  }

  /**
   * The coder of the request's {@code Content-Encoding}: {@link Coder#NoCoding} without one or for
   * {@code identity}; empty for any encoding other than one gzip or deflate.
   */
  public static Optional<Coder> coderOf(HttpRequest request) {
    // By name and value: a server-parsed ContentEncoding and a raw header read the same.
    Optional<HttpHeader> header = request.getHeader("Content-Encoding");
    if (header.isEmpty()) {
      return Optional.of(Coder.NoCoding);
    }
    List<String> codings = new java.util.ArrayList<>();
    for (String coding : header.get().value().split(",")) {
      String name = coding.strip().toLowerCase(Locale.ROOT);
      if (!name.isEmpty() && !name.equals("identity")) {
        codings.add(name);
      }
    }
    if (codings.isEmpty()) {
      return Optional.of(Coder.NoCoding);
    }
    if (codings.size() > 1) {
      return Optional.empty();
    }
    return switch (codings.get(0)) {
      case "gzip", "x-gzip" -> Optional.of(Coder.Gzip);
      case "deflate" -> Optional.of(Coder.Deflate);
      default -> Optional.empty();
    };
  }

  /** The 415 message for a request whose encoding {@link #coderOf} refused. */
  public static String unsupportedEncoding(HttpRequest request) {
    String sent = request.getHeader("Content-Encoding").map(HttpHeader::value).orElse("");
    return "Content-Encoding must be gzip, deflate or identity, was " + sent;
  }

  /**
   * The decoded body. Fails with {@link Refused} (413) past {@code max-body-size}, sent or decoded,
   * and (400) when it does not decode; with a {@link java.util.concurrent.TimeoutException} when it
   * takes longer than the read timeout to arrive.
   */
  public CompletionStage<byte[]> read(HttpRequest request, Coder coder) {
    HttpRequest limited = request.withEntity((RequestEntity) request.entity().withSizeLimit(maxBytes));
    if (coder == Coder.NoCoding) {
      return limited.entity().toStrict(readTimeout.toMillis(), materializer)
          .thenApply(strict -> strict.getData().toArray())
          .exceptionally(failure -> {
            throw refusal(failure, null);
          });
    }
    String encoding = coder == Coder.Gzip ? "gzip" : "deflate";
    Decoder decoder = coder == Coder.Gzip ? Coders.Gzip() : Coders.Deflate();
    return limited.entity().getDataBytes()
        .via(decoder.decoderFlow())
        .mapError(new PFBuilder<Throwable, Throwable>()
            .match(java.util.zip.ZipException.class, e -> undecodable(encoding, e))
            .match(java.util.zip.DataFormatException.class, e -> undecodable(encoding, e))
            .build())
        .limitWeighted(maxBytes, chunk -> (long) chunk.size())
        .completionTimeout(readTimeout)
        .runWith(Sink.fold(new ByteStringBuilder(), ByteStringBuilder::append), materializer)
        .thenApply(builder -> builder.result().toArray())
        .exceptionally(failure -> {
          throw refusal(failure, encoding);
        });
  }

  private static Refused undecodable(String encoding, Exception e) {
    return new Refused(StatusCodes.BAD_REQUEST, "body is not valid " + encoding + " (Content-Encoding): " + e.getMessage());
  }

  private RuntimeException refusal(Throwable failure, String encoding) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof Refused refused) {
      return refused;
    }
    if (cause instanceof EntityStreamSizeException) {
      return new Refused(StatusCodes.PAYLOAD_TOO_LARGE, "body larger than " + maxBytes + " bytes");
    }
    if (cause instanceof StreamLimitReachedException) {
      return new Refused(StatusCodes.PAYLOAD_TOO_LARGE,
          "body larger than " + maxBytes + " bytes once decoded (Content-Encoding " + encoding + ")");
    }
    if (cause instanceof java.util.concurrent.TimeoutException timeout) {
      return new java.util.concurrent.CompletionException(timeout);
    }
    return cause instanceof RuntimeException runtime ? runtime : new java.util.concurrent.CompletionException(cause);
  }
}
