package dev.prequel.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Instants to and from the database's {@code TIMESTAMP WITH TIME ZONE} columns. */
public final class Times {

  private Times() {}

  public static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** Stored with microsecond precision, as both H2 and PostgreSQL keep it. */
  public static OffsetDateTime odt(Instant i) {
    return i == null ? null : i.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
  }
}
