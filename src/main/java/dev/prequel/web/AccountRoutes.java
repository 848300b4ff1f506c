package dev.prequel.web;

import dev.prequel.auth.AccountStore.AuditEntry;
import dev.prequel.auth.AccountStore.TokenRow;
import dev.prequel.auth.Accounts;
import dev.prequel.auth.Principal;
import dev.prequel.auth.Role;
import dev.prequel.auth.User;
import dev.prequel.error.ProblemException;
import dev.prequel.web.AccountModels.AccountPage;
import dev.prequel.web.AccountModels.AuditPage;
import dev.prequel.web.AccountModels.Form;
import dev.prequel.web.AccountModels.LoginPage;
import dev.prequel.web.AccountModels.SetupPage;
import dev.prequel.web.AccountModels.UsersPage;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signing in and out, the first admin's setup, one's own account and API tokens, and the admin
 * pages (users, audit log); the same as JSON under /api/v1.
 */
final class AccountRoutes {

  /** Body of {@code POST /api/v1/users}. */
  record NewUser(String email, String name, String role, String password) {}

  /** Body of {@code PATCH /api/v1/users/{id}}. */
  record UserChange(String role, Boolean disabled) {}

  /** Body of {@code POST /api/v1/tokens}. */
  record NewTokenRequest(String name) {}

  record UserJson(
      String id, String email, String name, String role, boolean disabled, Instant createdAt) {
    static UserJson of(User u) {
      return new UserJson(
          u.id(), u.email(), u.name(), u.role().wireName(), u.disabled(), u.createdAt());
    }
  }

  record TokenJson(
      String id, String name, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {
    static TokenJson of(TokenRow t) {
      return new TokenJson(t.id(), t.name(), t.createdAt(), t.lastUsedAt(), t.revokedAt());
    }
  }

  private final Accounts accounts;
  private final Gate gate;
  private final Pages pages;

  AccountRoutes(Accounts accounts, Gate gate, Pages pages) {
    this.accounts = accounts;
    this.gate = gate;
    this.pages = pages;
  }

  void register(RoutesConfig r) {
    // ---- sign in and out
    r.get(
        "/login",
        ctx -> {
          if (accounts.setupPending()) {
            pages.render(
                ctx,
                200,
                "login.jte",
                new LoginPage(
                    Gate.safeNext(ctx.queryParam("next")),
                    new Form(
                        Map.of(),
                        Map.of(
                            "",
                            "No user exists yet: open the setup link printed on Prequel's"
                                + " console."))));
            return;
          }
          pages.render(
              ctx,
              200,
              "login.jte",
              new LoginPage(Gate.safeNext(ctx.queryParam("next")), Form.empty()));
        });
    r.post(
        "/login",
        ctx -> {
          String email = nz(ctx.formParam("email"));
          String next = Gate.safeNext(ctx.formParam("next"));
          try {
            Accounts.NewSession session =
                accounts.login(email, ctx.formParam("password"), ctx.ip());
            gate.openSession(ctx, session);
            ctx.redirect(next, HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            pages.render(
                ctx,
                e.kind().httpStatus,
                "login.jte",
                new LoginPage(next, new Form(Map.of("email", email), Map.of("", e.getMessage()))));
          }
        });
    r.post(
        "/logout",
        ctx -> {
          gate.closeSession(ctx);
          ctx.redirect("/login", HttpStatus.SEE_OTHER);
        });
    r.get(
        "/setup",
        ctx -> {
          if (!accounts.setupPending()) {
            ctx.redirect("/login", HttpStatus.SEE_OTHER);
            return;
          }
          pages.render(
              ctx, 200, "setup.jte", new SetupPage(nz(ctx.queryParam("token")), Form.empty()));
        });
    r.post(
        "/setup",
        ctx -> {
          Map<String, String> values =
              Map.of("email", nz(ctx.formParam("email")), "name", nz(ctx.formParam("name")));
          try {
            User admin =
                accounts.completeSetup(
                    ctx.formParam("token"),
                    values.get("email"),
                    values.get("name"),
                    ctx.formParam("password"));
            accounts.audit(admin, "user.create", "user " + admin.email(), "first admin (setup)");
            gate.openSession(
                ctx, accounts.login(admin.email(), ctx.formParam("password"), ctx.ip()));
            ctx.redirect("/interviews", HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            pages.render(
                ctx,
                e.kind().httpStatus,
                "setup.jte",
                new SetupPage(nz(ctx.formParam("token")), formError(values, e)));
          }
        });

    // ---- one's own account
    r.get("/account", ctx -> accountPage(ctx, 200, null, null, Form.empty(), Form.empty()));
    r.post(
        "/account/tokens",
        ctx -> {
          User me = Gate.principal(ctx).user();
          try {
            Accounts.NewToken created = createToken(me, ctx.formParam("name"));
            accountPage(ctx, 201, created.value(), null, Form.empty(), Form.empty());
          } catch (ProblemException e) {
            accountPage(
                ctx,
                e.kind().httpStatus,
                null,
                null,
                formError(Map.of("name", nz(ctx.formParam("name"))), e),
                Form.empty());
          }
        });
    r.post(
        "/account/tokens/{id}/revoke",
        ctx -> {
          revokeToken(ctx);
          ctx.redirect("/account", HttpStatus.SEE_OTHER);
        });
    r.post(
        "/account/password",
        ctx -> {
          User me = Gate.principal(ctx).user();
          try {
            accounts.changePassword(me, ctx.formParam("current"), ctx.formParam("password"));
            accounts.audit(me, "user.password", "user " + me.email(), null);
            // every session of this user ended, this one too: sign in again with the new password
            gate.openSession(ctx, accounts.login(me.email(), ctx.formParam("password"), ctx.ip()));
            ctx.redirect("/account", HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            accountPage(ctx, e.kind().httpStatus, null, null, Form.empty(), formError(Map.of(), e));
          }
        });

    // ---- admin pages
    r.get("/admin/users", ctx -> usersPage(ctx, 200, null, Form.empty()));
    r.post(
        "/admin/users",
        ctx -> {
          Map<String, String> values = new LinkedHashMap<>();
          values.put("email", nz(ctx.formParam("email")));
          values.put("name", nz(ctx.formParam("name")));
          values.put("role", nz(ctx.formParam("role")));
          try {
            createUser(
                Gate.principal(ctx).user(),
                new NewUser(
                    values.get("email"),
                    values.get("name"),
                    values.get("role"),
                    ctx.formParam("password")));
            ctx.redirect("/admin/users", HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            usersPage(ctx, e.kind().httpStatus, null, formError(values, e));
          }
        });
    r.post(
        "/admin/users/{id}",
        ctx -> {
          String role = ctx.formParam("role");
          String disabled = ctx.formParam("disabled");
          try {
            updateUser(
                Gate.principal(ctx).user(),
                ctx.pathParam("id"),
                new UserChange(role, disabled == null ? null : Boolean.parseBoolean(disabled)));
            ctx.redirect("/admin/users", HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            if (e.kind() == ProblemException.Kind.NOT_FOUND) {
              throw e;
            }
            usersPage(ctx, e.kind().httpStatus, e.getMessage(), Form.empty());
          }
        });
    r.get(
        "/admin/audit",
        ctx -> pages.render(ctx, 200, "audit.jte", new AuditPage(accounts.auditLog(500))));

    // ---- the same as JSON
    r.get("/api/v1/me", ctx -> ApiRoutes.json(ctx, 200, UserJson.of(Gate.principal(ctx).user())));
    r.get(
        "/api/v1/tokens",
        ctx ->
            ApiRoutes.json(
                ctx,
                200,
                accounts.tokens(Gate.principal(ctx).user()).stream().map(TokenJson::of).toList()));
    r.post(
        "/api/v1/tokens",
        ctx -> {
          User me = Gate.principal(ctx).user();
          Accounts.NewToken created =
              createToken(me, Json.read(ctx.body(), NewTokenRequest.class).name());
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("id", created.row().id());
          body.put("name", created.row().name());
          body.put("createdAt", created.row().createdAt());
          body.put("token", created.value());
          ApiRoutes.json(ctx, 201, body);
        });
    r.delete(
        "/api/v1/tokens/{id}",
        ctx -> {
          TokenRow t = revokeToken(ctx);
          ApiRoutes.json(ctx, 200, TokenJson.of(t));
        });
    r.get(
        "/api/v1/users",
        ctx -> ApiRoutes.json(ctx, 200, accounts.users().stream().map(UserJson::of).toList()));
    r.post(
        "/api/v1/users",
        ctx ->
            ApiRoutes.json(
                ctx,
                201,
                UserJson.of(
                    createUser(Gate.principal(ctx).user(), Json.read(ctx.body(), NewUser.class)))));
    r.patch(
        "/api/v1/users/{id}",
        ctx ->
            ApiRoutes.json(
                ctx,
                200,
                UserJson.of(
                    updateUser(
                        Gate.principal(ctx).user(),
                        ctx.pathParam("id"),
                        Json.read(ctx.body(), UserChange.class)))));
    r.get(
        "/api/v1/audit",
        ctx -> {
          int limit = 200;
          String asked = ctx.queryParam("limit");
          if (asked != null) {
            try {
              limit = Integer.parseInt(asked.strip());
            } catch (NumberFormatException e) {
              throw ProblemException.badInput("limit", "limit must be a whole number");
            }
          }
          List<AuditEntry> entries = accounts.auditLog(limit);
          ApiRoutes.json(ctx, 200, entries);
        });
  }

  private Accounts.NewToken createToken(User me, String name) {
    Accounts.NewToken created = accounts.createToken(me, name);
    accounts.audit(me, "token.create", "token " + created.row().id(), created.row().name());
    return created;
  }

  /** Revokes the token named in the path: one's own, or (admins) anyone's. */
  private TokenRow revokeToken(Context ctx) {
    User me = Gate.principal(ctx).user();
    TokenRow t = accounts.revokeToken(me, ctx.pathParam("id"));
    accounts.audit(me, "token.revoke", "token " + t.id(), t.name());
    return t;
  }

  private User createUser(User actor, NewUser u) {
    Role role =
        u.role() == null || u.role().isBlank() ? Role.INTERVIEWER : Role.fromWireName(u.role());
    User created = accounts.createUser(u.email(), u.name(), role, u.password());
    accounts.audit(actor, "user.create", "user " + created.email(), "role " + role.wireName());
    return created;
  }

  private User updateUser(User actor, String id, UserChange change) {
    Role role = change.role() == null ? null : Role.fromWireName(change.role());
    if (id.equals(actor.id())
        && (Boolean.TRUE.equals(change.disabled()) || role == Role.INTERVIEWER)) {
      throw ProblemException.conflict(
          "you cannot disable yourself or take away your own admin role");
    }
    User after = accounts.updateUser(id, role, change.disabled());
    accounts.audit(
        actor,
        "user.update",
        "user " + after.email(),
        "role " + after.role().wireName() + (after.disabled() ? ", disabled" : ", active"));
    return after;
  }

  private void accountPage(
      Context ctx, int status, String newToken, String notice, Form tokenForm, Form passwordForm) {
    Principal me = Gate.principal(ctx);
    pages.render(
        ctx,
        status,
        "account.jte",
        new AccountPage(
            me.user(), accounts.tokens(me.user()), newToken, notice, tokenForm, passwordForm));
  }

  private void usersPage(Context ctx, int status, String notice, Form form) {
    pages.render(
        ctx,
        status,
        "users.jte",
        new UsersPage(accounts.users(), Gate.principal(ctx).user().id(), notice, form));
  }

  /** The message goes next to the field it names, or above the form. */
  private static Form formError(Map<String, String> values, ProblemException e) {
    return new Form(values, Map.of(e.field() == null ? "" : e.field(), e.getMessage()));
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
