package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.WorkspaceLimits;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Handing a spare pod to an interview: JSON patches whose first operation tests that the pod still
 * belongs to the spare, so that of two claims (two replicas) exactly one applies; and the limits
 * the interview asks for, applied in place through the {@code pods/resize} subresource (Kubernetes
 * 1.33+; fabric8's DSL does not offer it, so it is one raw PATCH through the client's own HTTP
 * client, with its credentials).
 */
final class SpareLimits {

  private SpareLimits() {}

  /** Whether the spare already runs under exactly these limits. */
  static boolean fit(Pod spare, WorkspaceLimits limits) {
    Map<String, Quantity> applied =
        spare.getSpec().getContainers().get(0).getResources().getLimits();
    return same(applied.get("memory"), limits.memoryMb() + "Mi")
        && same(applied.get("cpu"), limits.milliCpus() + "m");
  }

  private static boolean same(Quantity applied, String asked) {
    return applied != null
        && Quantity.getAmountInBytes(applied)
                .compareTo(Quantity.getAmountInBytes(new Quantity(asked)))
            == 0;
  }

  /**
   * Moves the pod from {@code from} to {@code to} ({@code role} and its noted process limit too),
   * only if it still belongs to {@code from}.
   */
  static String owner(String from, String to, String role, int maxProcesses) {
    return "["
        + test(WorkspacePods.OWNER_LABEL, from)
        + ","
        + replace("/metadata/labels/" + escape(WorkspacePods.OWNER_LABEL), to)
        + ","
        + replace("/metadata/labels/" + escape(WorkspacePods.ROLE_LABEL), role)
        + ","
        + replace(
            "/metadata/annotations/" + escape(WorkspacePods.MAX_PROCESSES_ANNOTATION),
            String.valueOf(maxProcesses))
        + "]";
  }

  /** The claim of the spare, now the interview's. */
  static String claimOwner(String from, String to) {
    return "["
        + test(WorkspacePods.OWNER_LABEL, from)
        + ","
        + replace("/metadata/labels/" + escape(WorkspacePods.OWNER_LABEL), to)
        + "]";
  }

  /**
   * Resizes the pod's workspace container in place to {@code limits} (requests equal to limits, as
   * at creation). Throws when the cluster cannot (an older API server answers 404).
   */
  static void resize(KubernetesClient client, String namespace, String pod, WorkspaceLimits limits)
      throws InterruptedException {
    String cpu = "\"" + limits.milliCpus() + "m\"";
    String memory = "\"" + limits.memoryMb() + "Mi\"";
    String amounts = "{\"cpu\":" + cpu + ",\"memory\":" + memory + "}";
    String patch =
        "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/resources\",\"value\":{\"limits\":"
            + amounts
            + ",\"requests\":"
            + amounts
            + "}}]";
    HttpClient http = client.getHttpClient();
    String url =
        client.getMasterUrl().toString().replaceAll("/+$", "")
            + "/api/v1/namespaces/"
            + namespace
            + "/pods/"
            + pod
            + "/resize";
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(url)
            .method("PATCH", "application/json-patch+json", patch)
            .build();
    try {
      HttpResponse<String> response =
          http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
      if (!response.isSuccessful()) {
        throw new KubernetesClientException(
            "resizing pod " + pod + " failed: " + response.code() + " " + response.body(),
            response.code(),
            null);
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new KubernetesClientException("resizing pod " + pod + " failed: " + e, e);
    }
  }

  private static String test(String label, String value) {
    return "{\"op\":\"test\",\"path\":\"/metadata/labels/"
        + escape(label)
        + "\",\"value\":\""
        + value
        + "\"}";
  }

  private static String replace(String path, String value) {
    return "{\"op\":\"replace\",\"path\":\"" + path + "\",\"value\":\"" + value + "\"}";
  }

  /** JSON Pointer: '~' and '/' in a key. */
  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
