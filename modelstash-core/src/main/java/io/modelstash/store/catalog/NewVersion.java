package io.modelstash.store.catalog;

import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A version to commit. The catalog assigns its number and creation time.
 *
 * @param path the model path it is saved under
 * @param fileSha256 the SHA-256 of the whole saved file
 * @param size the length of the saved file
 * @param storedBytesAdded how many bytes this save added to the store (new chunk objects and the
 *     manifest)
 * @param manifest the id of the manifest that rebuilds the file
 * @param format the detected file format, e.g. {@code torch-zip} or {@code safetensors}
 * @param originalFileName the file name it was saved from, if known
 * @param note a free-text note, if any
 * @param params parameters, name to text value
 * @param metrics metrics, name to finite number
 * @param chunks every chunk the manifest uses, new or already stored (duplicates are ignored)
 * @param fence the garbage-collection sweeps the writer must not overlap, taken before it looked up
 *     or wrote any chunk; without one the commit cannot detect objects a concurrent sweep removed
 */
public record NewVersion(
    ModelPath path,
    Digest fileSha256,
    long size,
    long storedBytesAdded,
    Digest manifest,
    String format,
    Optional<String> originalFileName,
    Optional<String> note,
    Map<String, String> params,
    Map<String, Double> metrics,
    List<ChunkInfo> chunks,
    Optional<SweepFence> fence) {

  /** Longest metadata key accepted. */
  public static final int MAX_KEY_LENGTH = 256;

  /** Validates and copies the values; keys are kept sorted. */
  public NewVersion {
    if (path == null
        || fileSha256 == null
        || manifest == null
        || format == null
        || originalFileName == null
        || note == null
        || fence == null) {
      throw new NullPointerException("NewVersion fields must not be null");
    }
    if (size < 0 || storedBytesAdded < 0) {
      throw new IllegalArgumentException(
          "Cannot commit " + path + ": negative size " + size + " or stored " + storedBytesAdded);
    }
    if (format.isBlank()) {
      throw new IllegalArgumentException("Cannot commit " + path + ": the format is blank");
    }
    params = Collections.unmodifiableMap(new TreeMap<>(params));
    metrics = Collections.unmodifiableMap(new TreeMap<>(metrics));
    checkMetadata(path, params, metrics, note);
    originalFileName.ifPresent(name -> checkText(path, "file name", name));
    Map<Digest, ChunkInfo> unique = new LinkedHashMap<>();
    for (ChunkInfo c : chunks) {
      unique.putIfAbsent(c.id(), c);
    }
    chunks = List.copyOf(new ArrayList<>(unique.values()));
  }

  /** A version committed without a sweep fence. */
  public NewVersion(
      ModelPath path,
      Digest fileSha256,
      long size,
      long storedBytesAdded,
      Digest manifest,
      String format,
      Optional<String> originalFileName,
      Optional<String> note,
      Map<String, String> params,
      Map<String, Double> metrics,
      List<ChunkInfo> chunks) {
    this(
        path,
        fileSha256,
        size,
        storedBytesAdded,
        manifest,
        format,
        originalFileName,
        note,
        params,
        metrics,
        chunks,
        Optional.empty());
  }

  /** This version, to be committed under {@code fence}. */
  public NewVersion withFence(SweepFence fence) {
    return new NewVersion(
        path,
        fileSha256,
        size,
        storedBytesAdded,
        manifest,
        format,
        originalFileName,
        note,
        params,
        metrics,
        chunks,
        Optional.of(fence));
  }

  /**
   * Checks metadata as a commit would, so a caller can refuse it before doing any work: keys of 1
   * to {@link #MAX_KEY_LENGTH} characters, finite metrics, and no NUL character anywhere (which
   * PostgreSQL cannot store in text).
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static void checkMetadata(
      ModelPath path,
      Map<String, String> params,
      Map<String, Double> metrics,
      Optional<String> note) {
    for (Map.Entry<String, String> p : params.entrySet()) {
      checkKey(path, "parameter", p.getKey());
      if (p.getValue() == null) {
        throw new NullPointerException("parameter value");
      }
      checkText(path, "parameter '" + p.getKey() + "'", p.getValue());
    }
    for (Map.Entry<String, Double> m : metrics.entrySet()) {
      checkKey(path, "metric", m.getKey());
      if (m.getValue() == null || !Double.isFinite(m.getValue())) {
        throw new IllegalArgumentException(
            "Cannot commit "
                + path
                + ": metric '"
                + m.getKey()
                + "' is "
                + m.getValue()
                + " (metrics must be finite numbers)");
      }
    }
    note.ifPresent(n -> checkText(path, "note", n));
  }

  private static void checkText(ModelPath path, String what, String text) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "Cannot commit " + path + ": the " + what + " contains a NUL character (remove it)");
    }
  }

  private static void checkKey(ModelPath path, String what, String key) {
    if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "Cannot commit "
              + path
              + ": a "
              + what
              + " name must have 1 to "
              + MAX_KEY_LENGTH
              + " characters");
    }
    checkText(path, what + " name", key);
  }
}
