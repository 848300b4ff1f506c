package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestReaderTest {

  static Manifest read(String yaml) throws ManifestProblem {
    return ManifestReader.read("x/challenge.yaml", "x", yaml.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aFullManifestIsRead() throws Exception {
    Manifest m =
        read(
            """
            title: X
            description: "**bold**"
            environment: Python
            setup: pip --version
            open: [README.md]
            test: pytest
            durationMinutes: 45
            resources: {cpu: 0.5, memory: 2g, processes: 64}
            network: egress
            tools:
              - node >= 18
              - {name: python3, command: /usr/bin/python3, version: ">= 3.9", modules: [pandas]}
            """);
    assertThat(m.id()).isEqualTo("x");
    assertThat(m.environment()).isEqualTo("python");
    assertThat(m.setup()).containsExactly("pip --version");
    assertThat(m.resources()).isEqualTo(new Manifest.Resources(0.5, 2048, 64));
    assertThat(m.resources().limits())
        .isEqualTo(new dev.prequel.runtime.WorkspaceLimits(500, 2048, 64));
    assertThat(m.network()).isEqualTo(dev.prequel.runtime.Outbound.EGRESS);
    assertThat(m.tools())
        .extracting(Manifest.Tool::describe)
        .containsExactly("node >= 18", "python3 >= 3.9 with pandas");
  }

  @Test
  void memoryTakesKubernetesStyleUnitsAndLeftOutResourcesAreTheDefaults() throws Exception {
    assertThat(read("title: X\nresources: {memory: 256Mi}\n").resources().limits())
        .isEqualTo(new dev.prequel.runtime.WorkspaceLimits(1000, 256, 512));
    assertThat(read("title: X\nresources: {memory: 1Gi, cpu: 2}\n").resources().limits())
        .isEqualTo(new dev.prequel.runtime.WorkspaceLimits(2000, 1024, 512));
    Manifest bare = read("title: X\n");
    assertThat(bare.resources().limits()).isEqualTo(dev.prequel.runtime.WorkspaceLimits.DEFAULT);
    assertThat(bare.network()).isEqualTo(dev.prequel.runtime.Outbound.NONE);
    assertThatThrownBy(() -> read("title: X\nresources: {processes: 4}\n"))
        .hasMessageContaining("field 'resources.processes'");
  }

  @Test
  void problemsNameTheFileTheFieldAndTheReason() {
    assertThatThrownBy(() -> read("description: no title\n"))
        .hasMessage("x/challenge.yaml: field 'title': is required");
    assertThatThrownBy(() -> read("title: X\ndurationMinutes: soon\n"))
        .hasMessageContaining("field 'durationMinutes': must be a whole number");
    assertThatThrownBy(() -> read("title: X\nnetwork: internet\n"))
        .hasMessageContaining("field 'network': must be 'none' or 'egress'");
    assertThatThrownBy(() -> read("title: X\ntools: [{name: node, version: latest}]\n"))
        .hasMessageContaining("field 'tools[0].version'");
    assertThatThrownBy(() -> read("title: X\nopen: [../etc/passwd]\n"))
        .hasMessageContaining("field 'open[0]'");
    assertThatThrownBy(() -> read("id: y\ntitle: X\n"))
        .hasMessageContaining("but the challenge's folder is 'x'");
    assertThatThrownBy(() -> read("title: [unclosed\n")).hasMessageContaining("is not valid YAML");
  }

  @Test
  void markdownIsRenderedWithRawHtmlEscaped() {
    String html =
        Markdown.toSafeHtml("**hi** <img src=x onerror=alert(1)> [a](javascript:alert(1))");
    assertThat(html).contains("<strong>hi</strong>").contains("&lt;img").doesNotContain("<img");
    assertThat(html).doesNotContain("javascript:");
  }
}
