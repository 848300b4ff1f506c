package dev.prequel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SecretBoxTest {

  private final byte[] key = random(32);
  private final SecretBox box = SecretBox.of(key);

  @Test
  void aValueOpensOnlyWithWhatItWasBoundTo() {
    // given a password sealed for one interview
    String sealed = box.seal("sb-password", "interview/sb-a/password");
    // then it opens there, and nowhere else
    assertThat(sealed).startsWith(SecretBox.PREFIX).doesNotContain("sb-password");
    assertThat(box.open(sealed, "interview/sb-a/password")).isEqualTo("sb-password");
    assertThatThrownBy(() -> box.open(sealed, "interview/sb-b/password"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("interview/sb-b/password");
  }

  @Test
  void valuesSealedBeforeBindingAndPlainOnesFromBeforeEncryptionStillOpen() throws Exception {
    // given a value sealed the way the first version did (no associated data) and a plain one
    byte[] nonce = random(12);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(
        Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    byte[] body = cipher.doFinal("sb-old".getBytes(StandardCharsets.UTF_8));
    byte[] both = new byte[nonce.length + body.length];
    System.arraycopy(nonce, 0, both, 0, nonce.length);
    System.arraycopy(body, 0, both, nonce.length, body.length);
    String v1 = SecretBox.UNBOUND + Base64.getEncoder().encodeToString(both);
    // then both read back, and both count as what they are
    assertThat(box.open(v1, "interview/sb-a/password")).isEqualTo("sb-old");
    assertThat(SecretBox.isSealed(v1)).isTrue();
    assertThat(box.open("sb-plain", "interview/sb-a/password")).isEqualTo("sb-plain");
    assertThat(SecretBox.isSealed("sb-plain")).isFalse();
  }

  @Test
  void anotherKeyCannotOpenAValue() {
    String sealed = box.seal("sb-secret", "webhook/sb/secret");
    assertThatThrownBy(() -> SecretBox.of(random(32)).open(sealed, "webhook/sb/secret"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("secret key");
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
