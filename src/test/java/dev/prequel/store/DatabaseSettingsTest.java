package dev.prequel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.Config;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an operator sets to choose the database, and the mistakes Prequel refuses at start. */
class DatabaseSettingsTest {

  @Test
  void withoutAUrlPrequelKeepsItsEmbeddedDatabase() {
    DatabaseSettings s = DatabaseSettings.fromEnv(Map.of());
    assertThat(s.embedded()).isTrue();
    assertThat(Config.fromEnv(Map.of()).database().embedded()).isTrue();
  }

  @Test
  void aPostgresUrlWithUserAndPasswordSelectsPostgresAndNeverShowsThePassword() {
    DatabaseSettings s =
        DatabaseSettings.fromEnv(
            Map.of(
                "PREQUEL_DATABASE_URL", " jdbc:postgresql://db.internal:5432/prequel?ssl=true ",
                "PREQUEL_DATABASE_USER", "prequel",
                "PREQUEL_DATABASE_PASSWORD", "s3cr3t-pw"));
    assertThat(s.embedded()).isFalse();
    assertThat(s.url()).isEqualTo("jdbc:postgresql://db.internal:5432/prequel?ssl=true");
    assertThat(s.toString()).contains("db.internal", "prequel", "***").doesNotContain("s3cr3t-pw");
  }

  @Test
  void aPasswordInTheUrlIsRefusedWithoutRepeatingIt() {
    for (String url :
        new String[] {
          "jdbc:postgresql://db:5432/prequel?user=p&password=hunter22",
          "jdbc:postgresql://p:hunter22@db:5432/prequel",
          "jdbc:postgresql://db/prequel?sslpassword=hunter22"
        }) {
      assertThatThrownBy(
              () ->
                  Config.fromEnv(Map.of("PREQUEL_DATABASE_URL", url, "PREQUEL_DATABASE_USER", "p")))
          .isInstanceOf(Config.ConfigException.class)
          .hasMessageContaining("PREQUEL_DATABASE_PASSWORD")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter22"));
    }
  }

  @Test
  void anotherDatabaseIsRefusedNamingOnlyItsKind() {
    assertThatThrownBy(
            () ->
                Config.fromEnv(
                    Map.of(
                        "PREQUEL_DATABASE_URL",
                        "jdbc:mysql://root:hunter22@db/prequel",
                        "PREQUEL_DATABASE_USER",
                        "p")))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessageContaining("jdbc:mysql:")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter22"));
  }

  @Test
  void aUrlWithoutAUserIsRefused() {
    assertThatThrownBy(
            () -> Config.fromEnv(Map.of("PREQUEL_DATABASE_URL", "jdbc:postgresql://db/prequel")))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessageContaining("PREQUEL_DATABASE_USER is required");
  }
}
