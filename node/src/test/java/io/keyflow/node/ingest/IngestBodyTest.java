package io.keyflow.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Reading an ingest body through a route, as the ingest handler does: gzip and deflate decoded,
 * identity as it is, other encodings 415, and {@code max-body-size} bounding the decoded bytes (a
 * zip bomb is a 413 after at most that much decoding, its rest never read).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestBodyTest {

  private static final int MAX = 1 << 20;

  private final ActorSystem system = ActorSystem.create("ingest-body",
      ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
  private final Materializer materializer = Materializer.matFromSystem(system);
  private final IngestBody ingestBody = new IngestBody(MAX, Duration.ofSeconds(10), materializer);
  private final AllDirectives directives = new AllDirectives() {};

  /** Answers 200 with the decoded body, or the refusal's status and message, like the ingest handler. */
  private final Route route = directives.extractRequest(request -> IngestBody.coderOf(request)
      .map(coder -> directives.completeWithFuture(ingestBody.read(request, coder).handle((body, failure) -> {
        if (failure == null) {
          return HttpResponse.create().withEntity(body);
        }
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        return cause instanceof IngestBody.Refused refused
            ? HttpResponse.create().withStatus(refused.status()).withEntity(refused.getMessage())
            : HttpResponse.create().withStatus(StatusCodes.INTERNAL_SERVER_ERROR).withEntity(cause.toString());
      })))
      .orElseGet(() -> directives.complete(StatusCodes.UNSUPPORTED_MEDIA_TYPE, IngestBody.unsupportedEncoding(request))));

  @AfterAll
  void stop() {
    system.terminate();
  }

  private static final byte[] EVENTS = "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n{\"user\":\"b\",\"ts\":2,\"amount\":2}\n"
      .getBytes(StandardCharsets.UTF_8);

  @Test
  void aGzipBodyIsDecoded() throws Exception {
    HttpResponse response = send(post(gzip(EVENTS), "gzip"));

    assertThat(response.status().intValue()).isEqualTo(200);
    assertThat(bytes(response)).isEqualTo(EVENTS);
  }

  @Test
  void aDeflateBodyIsDecoded() throws Exception {
    HttpResponse response = send(post(deflate(EVENTS), "deflate"));

    assertThat(response.status().intValue()).isEqualTo(200);
    assertThat(bytes(response)).isEqualTo(EVENTS);
  }

  @Test
  void anIdentityOrAbsentEncodingIsReadAsItIs() throws Exception {
    assertThat(bytes(send(post(EVENTS, "identity")))).isEqualTo(EVENTS);
    assertThat(bytes(send(post(EVENTS, null)))).isEqualTo(EVENTS);
  }

  @Test
  void anyOtherEncodingIs415NamingIt() throws Exception {
    for (String encoding : List.of("br", "compress", "gzip, gzip", "zstd")) {
      HttpResponse response = send(post(gzip(EVENTS), encoding));

      assertThat(response.status().intValue()).as(encoding).isEqualTo(415);
      assertThat(text(response)).isEqualTo("Content-Encoding must be gzip, deflate or identity, was " + encoding);
    }
  }

  @Test
  void aBodyThatDecodesPastTheLimitIs413AndItsRestIsNeverRead() throws Exception {
    byte[] bomb = gzip(new byte[64 * MAX]);
    List<ByteString> chunks = new ArrayList<>();
    for (int i = 0; i < bomb.length; i += 1024) {
      chunks.add(ByteString.fromArray(Arrays.copyOfRange(bomb, i, Math.min(bomb.length, i + 1024))));
    }
    AtomicInteger pulled = new AtomicInteger();
    Source<ByteString, ?> body = Source.from(chunks).map(chunk -> {
      pulled.incrementAndGet();
      return chunk;
    });
    HttpRequest request = HttpRequest.POST("/events")
        .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, body))
        .addHeader(RawHeader.create("Content-Encoding", "gzip"));

    HttpResponse response = send(request);

    assertThat(bomb.length).isLessThan(MAX);
    assertThat(response.status().intValue()).isEqualTo(413);
    assertThat(text(response)).isEqualTo("body larger than " + MAX + " bytes once decoded (Content-Encoding gzip)");
    assertThat(pulled.get()).isLessThan(chunks.size() / 4);
  }

  @Test
  void aBodyThatDecodesToExactlyTheLimitIsAccepted() throws Exception {
    HttpResponse response = send(post(gzip(new byte[MAX]), "gzip"));

    assertThat(response.status().intValue()).isEqualTo(200);
    assertThat(bytes(response)).hasSize(MAX);
  }

  @Test
  void aLargerBodyAsSentIs413() throws Exception {
    HttpResponse response = send(post(new byte[MAX + 1], null));

    assertThat(response.status().intValue()).isEqualTo(413);
    assertThat(text(response)).isEqualTo("body larger than " + MAX + " bytes");
  }

  @Test
  void aBodyThatIsNotWhatItsEncodingSaysIs400() throws Exception {
    byte[] truncated = Arrays.copyOf(gzip(EVENTS), gzip(EVENTS).length - 6);

    HttpResponse notGzip = send(post(EVENTS, "gzip"));
    HttpResponse cut = send(post(truncated, "gzip"));
    HttpResponse notDeflate = send(post(EVENTS, "deflate"));

    assertThat(notGzip.status().intValue()).isEqualTo(400);
    assertThat(text(notGzip)).startsWith("body is not valid gzip (Content-Encoding)");
    assertThat(cut.status().intValue()).isEqualTo(400);
    assertThat(notDeflate.status().intValue()).isEqualTo(400);
    assertThat(text(notDeflate)).startsWith("body is not valid deflate (Content-Encoding)");
  }

  private static HttpRequest post(byte[] body, String encoding) {
    HttpRequest request = HttpRequest.POST("/events").withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
    return encoding == null ? request : request.addHeader(RawHeader.create("Content-Encoding", encoding));
  }

  private HttpResponse send(HttpRequest request) throws Exception {
    return route.seal().handler(system).apply(request).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private byte[] bytes(HttpResponse response) throws Exception {
    return response.entity().toStrict(5_000, materializer).toCompletableFuture().get(10, TimeUnit.SECONDS)
        .getData().toArray();
  }

  private String text(HttpResponse response) throws Exception {
    return new String(bytes(response), StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] deflate(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream deflate = new DeflaterOutputStream(out)) {
      deflate.write(data);
    }
    return out.toByteArray();
  }
}
