package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.RuntimeDescription;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSecrets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a workspace is made of on the engine, made and removed in one place and in a safe order: the
 * host's firewall rule before the first network, its network, its disk, its volumes, then its
 * container; removed the other way round. Each part is named after its owner (the interview, or the
 * spare it was claimed from), so that every step can run again after a crash.
 */
final class WorkspaceParts {

  private final DockerClient docker;
  private final String image;
  private final HostFirewall firewall;
  private final EgressFirewall egress;
  private final WorkspaceNetworks networks;
  private final VolumeDisks disks;
  private final WorkspaceVolumes volumes;
  private final PrequelFiles prequelFiles;
  private final String scope;

  WorkspaceParts(
      DockerClient docker,
      String image,
      HostFirewall firewall,
      EgressFirewall egress,
      WorkspaceNetworks networks,
      VolumeDisks disks,
      String scope) {
    this.scope = scope;
    this.docker = docker;
    this.image = image;
    this.firewall = firewall;
    this.egress = egress;
    this.networks = networks;
    this.disks = disks;
    this.volumes = new WorkspaceVolumes(docker, scope);
    this.prequelFiles = new PrequelFiles(docker, disks, image, scope);
  }

  /**
   * Makes the container of {@code id} (not started) and every part it needs that is missing.
   * Returns whether its files were made anew (no volume before): no candidate has been in it.
   */
  boolean make(
      String id,
      WorkspaceLimits limits,
      Outbound asked,
      WorkspaceSecrets secrets,
      Consumer<String> log)
      throws IOException, InterruptedException {
    // before the first network: a workspace never runs without the rule where it can be set
    firewall.ensure().ifPresent(why -> log.accept("warning: " + why));
    Outbound outbound = asked;
    if (asked == Outbound.EGRESS) {
      Optional<String> why = egress.ensure();
      if (why.isPresent()) {
        log.accept("no egress: " + why.get());
        outbound = Outbound.NONE;
      }
    }
    String network = networks.ensure(id, outbound);
    boolean fresh = !volumes.exist(id);
    Optional<Path> disk = disks.attach(id, limits.diskMb(), !fresh, log);
    volumes.ensure(id, disk);
    WorkspaceContainer.PrequelMount own = prequelFiles.prepare(id, fresh);
    try {
      WorkspaceContainer.create(
              docker, image, id, scope, limits, outbound, network, Optional.of(own), secrets)
          .exec();
    } catch (NotFoundException e) {
      throw new IllegalStateException(
          "the workspace image "
              + image
              + " is missing: build it with scripts/docker-workspace-image.sh",
          e);
    } catch (ConflictException e) {
      // made meanwhile by another Prequel on the same engine: start that one
    }
    log.accept(
        "created container "
            + WorkspaceContainer.name(id)
            + " ("
            + limits.describe()
            + (outbound == Outbound.EGRESS
                ? "; egress, no host or private network"
                : "; no network")
            + ")");
    return fresh;
  }

  /** What the engine and this machine lack for the workspaces' protections, for /healthz. */
  RuntimeDescription describe(String name, WorkspaceLimits ceiling, Outbound outbound) {
    List<String> missing = new ArrayList<>();
    String fix = "";
    try {
      docker.pingCmd().exec();
      try {
        docker.inspectImageCmd(image).exec();
      } catch (NotFoundException e) {
        missing.add("the workspace image " + image);
        fix = "scripts/docker-workspace-image.sh (./prequel run builds it)";
      }
      firewall.ensure().ifPresent(missing::add);
      disks.missing().ifPresent(missing::add);
      if (outbound == Outbound.EGRESS) {
        egress.ensure().ifPresent(missing::add);
      }
    } catch (RuntimeException e) {
      missing.add("a reachable Docker Engine (" + e.getMessage() + ")");
      fix = "apt-get install -y docker.io and start dockerd, or set DOCKER_HOST";
    }
    return new RuntimeDescription(
        name,
        "container",
        missing.isEmpty(),
        missing.isEmpty(),
        ceiling,
        outbound.wireName(),
        missing,
        fix);
  }

  /** Whether the owner's files still exist (its workspace volume). */
  boolean hasFiles(String owner) {
    return volumes.exist(owner);
  }

  /** Mounts the owner's disk again when a reboot unmounted it: before a start or a read. */
  void reattach(String owner) throws IOException {
    disks.reattach(owner);
  }

  /** Names the files the workbench opens at its first start, in the owner's Prequel files. */
  boolean openFiles(String owner, java.util.List<String> files) throws IOException {
    return prequelFiles.openFiles(owner, files);
  }

  /** Tells the owner's workbench when the interview ends; false when it cannot show a clock. */
  boolean showClock(String owner, dev.prequel.runtime.WorkspaceClock clock) throws IOException {
    return prequelFiles.showClock(owner, clock);
  }

  Optional<String> diskFull(String owner) {
    return disks.full(owner);
  }

  /**
   * Removes the container of {@code id}, then the volumes, network and disk of each owner (its own
   * and, for a claimed spare, the spare's). Safe to run again.
   */
  void remove(String id, Collection<String> owners, Consumer<String> log)
      throws IOException, InterruptedException {
    toTheEnd(
        () -> {
          try {
            docker.removeContainerCmd(WorkspaceContainer.name(id)).withForce(true).exec();
            log.accept("removed container " + WorkspaceContainer.name(id));
          } catch (NotFoundException e) {
            // already gone
          }
          for (String owner : owners) {
            prequelFiles.remove(owner); // its carrier holds the home volume
            volumes.remove(owner);
            networks.remove(owner);
            disks.release(owner); // the candidate's files go with the disk's image
          }
        });
  }

  /** A removal's steps, run by {@link #toTheEnd}. */
  interface Removal {
    void run() throws IOException, InterruptedException;
  }

  /**
   * Runs a removal to its end even on an interrupted thread, the interrupt kept for the caller. A
   * stopping Prequel interrupts its pool's thread, maybe in the middle of removing a spare:
   * docker-java gives up a call when its thread is interrupted, and a removal stopped after the
   * volumes left a mounted disk behind. A removal is short and bounded.
   */
  static void toTheEnd(Removal removal) throws IOException, InterruptedException {
    boolean interrupted = Thread.interrupted();
    try {
      removal.run();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
