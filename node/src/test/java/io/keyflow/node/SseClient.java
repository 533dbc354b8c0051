package io.keyflow.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server-sent events reader for the integration tests: reads the stream on its own thread into a
 * queue of events (comment lines, i.e. heartbeats, are skipped) until closed.
 */
final class SseClient implements AutoCloseable {

  record Event(String id, String type, String data) {
    JsonNode json() {
      try {
        return HttpJson.MAPPER.readTree(data);
      } catch (IOException e) {
        throw new IllegalStateException("not JSON: " + data, e);
      }
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final HttpResponse<Stream<String>> response;
  private final Thread reader;

  SseClient(String url, String lastEventId) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    reader = new Thread(this::read, "sse-reader");
    reader.setDaemon(true);
    if (response.statusCode() == 200) {
      reader.start();
    }
  }

  int status() {
    return response.statusCode();
  }

  String contentType() {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  private void read() {
    String id = null;
    String type = null;
    StringBuilder data = new StringBuilder();
    try {
      for (var lines = response.body().iterator(); lines.hasNext(); ) {
        String line = lines.next();
        if (line.isEmpty()) {
          if (!data.isEmpty()) {
            events.add(new Event(id, type, data.toString()));
          }
          id = null;
          type = null;
          data.setLength(0);
        } else if (line.startsWith("id:")) {
          id = line.substring(3).strip();
        } else if (line.startsWith("event:")) {
          type = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).strip());
        }
      }
    } catch (RuntimeException e) {
      // closed by the test
    }
  }

  /** The next event, or null if none comes within {@code timeout}. */
  Event next(Duration timeout) throws InterruptedException {
    return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Events until none came for {@code quiet}. */
  List<Event> untilQuiet(Duration quiet) throws InterruptedException {
    List<Event> read = new ArrayList<>();
    for (Event e = next(quiet); e != null; e = next(quiet)) {
      read.add(e);
    }
    return read;
  }

  /** The body when the answer was not a stream (an error). */
  String errorBody() {
    return String.join("\n", response.body().toList());
  }

  @Override
  public void close() {
    response.body().close();
    reader.interrupt();
  }
}
