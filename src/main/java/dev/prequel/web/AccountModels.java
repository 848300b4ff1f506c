package dev.prequel.web;

import dev.prequel.auth.AccountStore.AuditEntry;
import dev.prequel.auth.AccountStore.TokenRow;
import dev.prequel.auth.User;
import java.util.List;
import java.util.Map;

/** What the sign-in, account and admin pages show. Public because templates are compiled apart. */
public final class AccountModels {

  private AccountModels() {}

  /** A form's values and the message next to each field that was wrong ("" = the whole form). */
  public record Form(Map<String, String> values, Map<String, String> errors) {
    public static Form empty() {
      return new Form(Map.of(), Map.of());
    }

    public String value(String field) {
      return values.getOrDefault(field, "");
    }

    public String error(String field) {
      return errors.get(field);
    }
  }

  public record LoginPage(String next, Form form) {}

  public record SetupPage(String token, Form form) {}

  /**
   * One's own account, with API tokens.
   *
   * @param newToken a token's value just created, shown this once; null otherwise
   */
  public record AccountPage(
      User user,
      List<TokenRow> tokens,
      String newToken,
      String notice,
      Form tokenForm,
      Form passwordForm) {}

  public record UsersPage(List<User> users, String selfId, String notice, Form form) {}

  public record AuditPage(List<AuditEntry> entries) {}
}
