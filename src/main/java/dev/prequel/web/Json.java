package dev.prequel.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.prequel.error.ProblemException;
import java.util.stream.Collectors;

/**
 * The one JSON configuration: ISO-8601 instants, strict input with messages that name the field.
 */
final class Json {

  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private Json() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a request body, turning every parse problem into a 400 that says what and where. */
  static <T> T read(String body, Class<T> type) {
    if (body == null || body.isBlank()) {
      throw ProblemException.badInput(null, "the request body is empty; send a JSON object");
    }
    try {
      T value = MAPPER.readValue(body, type);
      if (value == null) {
        throw ProblemException.badInput(null, "the request body must be a JSON object, not null");
      }
      return value;
    } catch (UnrecognizedPropertyException e) {
      throw ProblemException.badInput(
          e.getPropertyName(), "unknown field '" + e.getPropertyName() + "'");
    } catch (JsonMappingException e) {
      String field =
          e.getPath().stream()
              .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(Collectors.joining("."));
      String what =
          e.getOriginalMessage() == null
              ? ""
              : e.getOriginalMessage().lines().findFirst().orElse("");
      throw ProblemException.badInput(
          field.isEmpty() ? null : field,
          field.isEmpty()
              ? "malformed JSON: " + what
              : "field '" + field + "' has the wrong type or format: " + what);
    } catch (JsonProcessingException e) {
      throw ProblemException.badInput(null, "malformed JSON: " + e.getOriginalMessage());
    }
  }
}
