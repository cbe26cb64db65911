package io.modelstash.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Points zstd-jni and sqlite-jdbc at copies of their JNI libraries kept in a cache folder.
 *
 * <p>Both libraries otherwise inflate their native code from the jar into a temporary file on every
 * start (sqlite-jdbc also reads it back to compare), about 60–90 ms of every command. The launcher
 * names a folder next to the jar with {@code -Dmodelstash.native.dir}; the first command fills it,
 * each library under a name that carries its version. Both libraries document the properties set
 * here ({@code ZstdNativePath}; {@code org.sqlite.lib.path} and {@code org.sqlite.lib.name}).
 * Anything unexpected (another platform, a read-only folder) leaves the libraries to load as they
 * normally do: this only ever saves time.
 */
final class NativeLibraries {
  static final String PROPERTY = "modelstash.native.dir";

  /**
   * The sqlite-jdbc version this jar bundles, which names its cache folder. sqlite-jdbc's own
   * {@code getVersion()} reads a resource and costs about 13 ms of every start; NativeLibrariesTest
   * fails if this constant and the bundled version ever differ.
   */
  static final String SQLITE_JDBC_VERSION = "3.50.3.0";

  private NativeLibraries() {}

  /** Uses the cache folder the launcher named, if any. */
  static void useCache() {
    String dir = System.getProperty(PROPERTY);
    if (dir == null || dir.isEmpty()) {
      return;
    }
    Path folder = Path.of(dir).toAbsolutePath(); // the JNI loaders want absolute paths
    zstd(folder);
    sqlite(folder);
  }

  private static void zstd(Path folder) {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (!os.startsWith("linux") || System.getProperty("ZstdNativePath") != null) {
      return;
    }
    String name = "libzstd-jni-" + com.github.luben.zstd.util.ZstdVersion.VERSION + ".so";
    String arch = System.getProperty("os.arch");
    Path file = folder.resolve("linux-" + arch).resolve(name);
    if (Files.isRegularFile(file) || copyResource("/linux/" + arch + "/" + name, file)) {
      System.setProperty("ZstdNativePath", file.toString());
    }
  }

  private static void sqlite(Path folder) {
    if (System.getProperty("org.sqlite.lib.path") != null) {
      return;
    }
    String name = org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
    // sqlite-jdbc's library name carries no version and its platform lookup starts processes,
    // so the folder is named by version and Java's own platform properties, and the lookup only
    // runs to fill it
    Path dir =
        folder.resolve(
            "sqlite-jdbc-"
                + SQLITE_JDBC_VERSION
                + "-"
                + System.getProperty("os.name").replaceAll("[^A-Za-z0-9]", "")
                + "-"
                + System.getProperty("os.arch"));
    Path file = dir.resolve(name);
    if (Files.isRegularFile(file)
        || copyResource(
            org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name, file)) {
      System.setProperty("org.sqlite.lib.path", dir.toString());
      System.setProperty("org.sqlite.lib.name", name);
    }
  }

  /** Copies the resource to {@code file}; false if there is no such resource or it fails. */
  private static boolean copyResource(String resource, Path file) {
    try (InputStream in = NativeLibraries.class.getResourceAsStream(resource)) {
      if (in == null) {
        return false;
      }
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), ".extract-", ".tmp");
      try {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        // another command may have copied it meanwhile: the same bytes, so either copy will do
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
