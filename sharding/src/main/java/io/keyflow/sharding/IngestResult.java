package io.keyflow.sharding;

/** What a request did: events applied now, and events its key groups had already applied. */
public record IngestResult(int accepted, int duplicates) {}
