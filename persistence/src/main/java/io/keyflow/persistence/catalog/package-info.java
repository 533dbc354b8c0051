/**
 * The pipelines whose state is stored ({@code pipelines} table): the signature each was written
 * under, checked when a node starts, and the reset that deletes what one pipeline stored and starts
 * its next results generation.
 */
package io.keyflow.persistence.catalog;
