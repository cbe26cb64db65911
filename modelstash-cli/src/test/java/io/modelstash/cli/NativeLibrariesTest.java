package io.modelstash.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's JNI cache: filled once with the jar's own libraries, then only pointed at. */
class NativeLibrariesTest {
  private static final List<String> KEYS =
      List.of(
          NativeLibraries.PROPERTY, "ZstdNativePath", "org.sqlite.lib.path", "org.sqlite.lib.name");

  @TempDir Path dir;
  private final Properties saved = new Properties();

  @BeforeEach
  void save() {
    for (String k : KEYS) {
      if (System.getProperty(k) != null) {
        saved.setProperty(k, System.getProperty(k));
      }
      System.clearProperty(k);
    }
  }

  @AfterEach
  void restore() {
    for (String k : KEYS) {
      System.clearProperty(k);
    }
    saved.forEach((k, v) -> System.setProperty((String) k, (String) v));
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = NativeLibraries.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  @Test
  void fillsTheCacheWithTheJarsLibrariesAndPointsTheLoadersAtThem() throws IOException {
    Path cache = dir.resolve("native");
    System.setProperty(NativeLibraries.PROPERTY, cache.toString());
    NativeLibraries.useCache();

    Path zstd = Path.of(System.getProperty("ZstdNativePath"));
    assertThat(zstd).startsWith(cache);
    assertThat(Files.readAllBytes(zstd))
        .isEqualTo(
            resource(
                "/linux/"
                    + System.getProperty("os.arch")
                    + "/libzstd-jni-"
                    + com.github.luben.zstd.util.ZstdVersion.VERSION
                    + ".so"));
    Path sqlite =
        Path.of(System.getProperty("org.sqlite.lib.path"))
            .resolve(System.getProperty("org.sqlite.lib.name"));
    assertThat(sqlite).startsWith(cache);
    assertThat(Files.readAllBytes(sqlite))
        .isEqualTo(
            resource(
                org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath()
                    + "/"
                    + org.sqlite.util.LibraryLoaderUtil.getNativeLibName()));

    // a second start reuses the copies as they are
    Files.setLastModifiedTime(zstd, java.nio.file.attribute.FileTime.fromMillis(1_000));
    System.clearProperty("ZstdNativePath");
    NativeLibraries.useCache();
    assertThat(Files.getLastModifiedTime(zstd).toMillis()).isEqualTo(1_000);
    assertThat(System.getProperty("ZstdNativePath")).isEqualTo(zstd.toString());
  }

  @Test
  void theCacheIsNamedByTheBundledSqliteJdbcVersion() {
    // a stale constant would let a new sqlite-jdbc load an old copy of its native library
    assertThat(NativeLibraries.SQLITE_JDBC_VERSION)
        .isEqualTo(org.sqlite.SQLiteJDBCLoader.getVersion());
  }

  @Test
  void aFolderThatCannotBeCreatedLeavesTheLoadersAlone() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
    System.setProperty(NativeLibraries.PROPERTY, file.resolve("native").toString());
    NativeLibraries.useCache();
    assertThat(System.getProperty("ZstdNativePath")).isNull();
    assertThat(System.getProperty("org.sqlite.lib.path")).isNull();
  }
}
