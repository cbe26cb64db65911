package io.modelstash.store.catalog;

import io.modelstash.store.catalog.postgres.PostgresCatalog;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A separate process for the multi-process commit tests: commits {@code count} versions to one path
 * and prints each number it got on its own line. Arguments: catalog (a SQLite file, or a PostgreSQL
 * URL), model path, count.
 */
public final class CommitMain {

  private CommitMain() {}

  public static void main(String[] args) throws Exception {
    ModelPath path = ModelPath.parse(args[1]);
    int count = Integer.parseInt(args[2]);
    long pid = ProcessHandle.current().pid();
    try (Catalog catalog = open(args[0])) {
      for (int i = 0; i < count; i++) {
        Digest d = Digest.of(("p" + pid + "-" + i).getBytes(StandardCharsets.UTF_8));
        NewVersion v =
            new NewVersion(
                path,
                d,
                1,
                1,
                d,
                "opaque",
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Map.of("pid", (double) pid),
                List.of(
                    new ChunkInfo(Digest.of(new byte[] {1}), 1, 1, 0), new ChunkInfo(d, 1, 1, 0)));
        System.out.println(catalog.commit(v).number());
      }
    }
  }

  private static Catalog open(String location) throws CatalogException {
    return location.startsWith("postgres") || location.startsWith("jdbc:postgresql:")
        ? PostgresCatalog.open(location)
        : SqliteCatalog.open(Path.of(location));
  }
}
