package io.modelstash.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the store is: options over environment over config file, and clear refusals. */
class StoreLocationTest {
  @TempDir Path home;

  private static final String PG = "postgresql://ml:secret@db.example.com:5432/models";

  private StoreLocation resolve(
      Path store, String catalog, String blobs, Path config, Map<String, String> env) {
    return StoreLocation.resolve(store, catalog, blobs, null, config, env, home, Path.of(""));
  }

  @Test
  void defaultsToTheHomeStore() {
    assertThat(resolve(null, null, null, null, Map.of()))
        .isEqualTo(StoreLocation.local(home.resolve(".modelstash")));
  }

  @Test
  void optionsBeatEnvironmentWhichBeatsTheConfigFile() throws IOException {
    Path cfg =
        Files.writeString(home.resolve("c.properties"), "catalog = sqlite:/c.db\nblobs = /b\n");
    Map<String, String> env =
        Map.of("MODELSTASH_CATALOG", PG, "MODELSTASH_S3_ENDPOINT", "http://127.0.0.1:9000");
    StoreLocation where = resolve(null, null, "s3://bucket/team", cfg, env);
    assertThat(where.catalog()).contains(PG);
    assertThat(where.blobs()).contains("s3://bucket/team");
    assertThat(where.s3Endpoint()).contains(URI.create("http://127.0.0.1:9000"));

    StoreLocation fromFile = resolve(null, null, null, cfg, Map.of());
    assertThat(fromFile.catalog()).contains("sqlite:/c.db");
    assertThat(fromFile.blobs()).contains("/b");

    // --store on the command line ignores a team store configured elsewhere
    assertThat(resolve(home.resolve("local"), null, null, cfg, env))
        .isEqualTo(StoreLocation.local(home.resolve("local")));
  }

  @Test
  void theDefaultConfigFileIsRead() throws IOException {
    Path dir = Files.createDirectories(home.resolve(".config/modelstash"));
    Files.writeString(dir.resolve("config.properties"), "store = /srv/models\n");
    assertThat(resolve(null, null, null, null, Map.of()))
        .isEqualTo(StoreLocation.local(Path.of("/srv/models")));
  }

  @Test
  void halfATeamStoreIsRefusedWithWhatToAdd() {
    assertThatThrownBy(() -> resolve(null, PG, null, null, Map.of()))
        .hasMessage("--catalog needs --blobs too: add --blobs s3://bucket/prefix (or a folder)");
    assertThatThrownBy(() -> resolve(null, null, "s3://b", null, Map.of()))
        .hasMessage("--blobs needs --catalog too: add --catalog postgresql://host/database");
    assertThatThrownBy(() -> resolve(home, PG, "s3://b", null, Map.of()))
        .hasMessageContaining("not both");
  }

  @Test
  void badConfigFilesAndEndpointsAreRefused() throws IOException {
    Path typo = Files.writeString(home.resolve("t.properties"), "catalgo = x\n");
    assertThatThrownBy(() -> resolve(null, null, null, typo, Map.of()))
        .isInstanceOf(UserException.class)
        .hasMessageContaining("unknown key 'catalgo'");
    assertThatThrownBy(() -> resolve(null, null, null, home.resolve("missing"), Map.of()))
        .hasMessageStartingWith("No such config file: ");
    assertThatThrownBy(
            () ->
                StoreLocation.resolve(
                    null, PG, "s3://b", "ftp://x", null, Map.of(), home, Path.of("")))
        .hasMessageContaining("give a URL such as http://127.0.0.1:9000");
  }

  @Test
  void passwordsNeverShow() {
    StoreLocation where = StoreLocation.split(PG + "?password=also", "s3://b/p", Optional.empty());
    assertThat(where.describe())
        .isEqualTo(
            "catalog postgresql://ml:***@db.example.com:5432/models?password=***, blobs s3://b/p");
    assertThat(StoreLocation.redact("jdbc:postgresql://h/db?user=u&password=pw&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
  }

  @Test
  void catalogAndBlobURLsAreRecognised() {
    assertThat(StoreLocation.isPostgres("postgres://h/db")).isTrue();
    assertThat(StoreLocation.isPostgres("jdbc:postgresql://h/db")).isTrue();
    assertThat(StoreLocation.sqliteFile("sqlite:/srv/c.db")).isEqualTo(Path.of("/srv/c.db"));
    assertThat(StoreLocation.sqliteFile("sqlite:///srv/c.db")).isEqualTo(Path.of("/srv/c.db"));
    assertThatThrownBy(() -> StoreLocation.sqliteFile("mysql://h/db"))
        .hasMessageContaining("use postgresql://host/database or sqlite:/path/catalog.db");
    assertThat(StoreLocation.blobFolder("file:///srv/b")).isEqualTo(Path.of("/srv/b"));
    assertThat(StoreLocation.blobFolder("/srv/b")).isEqualTo(Path.of("/srv/b"));
    assertThatThrownBy(() -> StoreLocation.blobFolder("gs://bucket"))
        .hasMessageContaining("use s3://bucket/prefix or a local folder");
  }

  @Test
  void relativePathsResolveAgainstTheInvokingDirectory() throws IOException {
    Path cwd = Path.of("/home/ml/project");
    StoreLocation local =
        StoreLocation.resolve(
            null, null, null, null, null, Map.of("MODELSTASH_STORE", "ckpts"), home, cwd);
    assertThat(local.directory()).contains(cwd.resolve("ckpts"));

    StoreLocation split =
        StoreLocation.resolve(null, "sqlite:cat.db", "blobs", null, null, Map.of(), home, cwd);
    assertThat(split.catalog()).contains("sqlite:/home/ml/project/cat.db");
    assertThat(split.blobs()).contains("/home/ml/project/blobs");

    StoreLocation team =
        StoreLocation.resolve(null, PG, "s3://bucket/team", null, null, Map.of(), home, cwd);
    assertThat(team.catalog()).as("URLs are no paths").contains(PG);
    assertThat(team.blobs()).contains("s3://bucket/team");

    Path config = Files.writeString(home.resolve("team.properties"), "store = rel/store\n");
    assertThat(StoreLocation.fromConfig(config).within(cwd).directory())
        .contains(cwd.resolve("rel/store"));
    assertThat(
            StoreLocation.resolve(
                    null,
                    null,
                    null,
                    null,
                    null,
                    Map.of("MODELSTASH_CONFIG", config.toString()),
                    home,
                    cwd)
                .directory())
        .contains(cwd.resolve("rel/store"));
  }
}
