package dev.prequel.web;

import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.ChallengeLibrary;
import dev.prequel.challenge.ChallengeStore;
import dev.prequel.challenge.HostTools;
import dev.prequel.challenge.Manifest;
import dev.prequel.challenge.Markdown;
import java.util.List;

/** What the challenge library's templates show. */
public final class LibraryModels {

  private LibraryModels() {}

  /** One challenge as a card in the list or the head of its page. */
  public record Card(
      String id,
      String title,
      String environment,
      String descriptionHtml,
      int durationMinutes,
      int useCount,
      String lastUsed,
      String added,
      boolean runnable,
      List<HostTools.Missing> missing,
      List<String> tools,
      String test,
      List<String> setup) {

    static Card of(Challenge c) {
      Manifest m = c.manifest();
      return new Card(
          c.id(),
          c.title(),
          m.environment(),
          Markdown.toSafeHtml(c.description()),
          m.durationMinutes(),
          c.useCount(),
          c.lastUsedAt() == null ? "never" : c.lastUsedAt().toString(),
          c.addedAt().toString(),
          c.runnable(),
          c.missingTools(),
          m.tools().stream().map(Manifest.Tool::describe).toList(),
          m.test(),
          m.setup());
    }
  }

  public record Sort(String value, String label, boolean selected) {}

  public record ListPage(
      List<Card> challenges,
      List<Sort> sorts,
      List<ChallengeLibrary.Broken> broken,
      String notice,
      String store,
      String limits) {}

  /**
   * One challenge's page.
   *
   * @param preview the selected file, or null
   */
  public record DetailPage(
      Card card,
      String rawDescription,
      List<ChallengeStore.StoredFile> files,
      ChallengeLibrary.Preview preview,
      String notice) {}
}
