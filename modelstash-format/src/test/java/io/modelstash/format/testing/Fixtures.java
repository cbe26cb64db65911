package io.modelstash.format.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The checked-in fixture files under {@code src/test/resources/fixtures}.
 *
 * <ul>
 *   <li>{@link #torch()}: real {@code torch.save} files; each {@code FILE} has {@code
 *       FILE.expected.json} ({@link #expected(Path)}). TorchScript archives also have {@code
 *       FILE.expect.txt}, since a reader must refuse them.
 *   <li>{@link #hostile()}: crafted bad inputs; each {@code FILE} has {@code FILE.expect.txt}, one
 *       lowercase line the reader's error message must contain ignoring case ({@link
 *       #expectedError(Path)}).
 * </ul>
 *
 * <p>Files are found on the test classpath when it is a directory, otherwise relative to the module
 * directory (the working directory of Maven test runs). Listings are sorted by file name.
 */
public final class Fixtures {
  private static final String EXPECTED_SUFFIX = ".expected.json";
  private static final String EXPECT_SUFFIX = ".expect.txt";
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private static volatile Path root;

  private Fixtures() {}

  /** The {@code fixtures} directory. */
  public static Path root() {
    Path r = root;
    if (r == null) {
      r = locateRoot();
      root = r;
    }
    return r;
  }

  /** The real PyTorch fixtures (data files only, no JSON, text or README). */
  public static List<Path> torch() {
    return list("torch");
  }

  /** The crafted bad inputs (data files only). */
  public static List<Path> hostile() {
    return list("hostile");
  }

  /** One real PyTorch fixture by file name, e.g. {@code torch("ckpt.pt")}. */
  public static Path torch(String fileName) {
    return existing(root().resolve("torch").resolve(fileName));
  }

  /** One hostile fixture by file name. */
  public static Path hostile(String fileName) {
    return existing(root().resolve("hostile").resolve(fileName));
  }

  /** Reads {@code FILE.expected.json} next to a fixture. */
  public static Expected expected(Path fixture) {
    return readExpected(existing(sibling(fixture, EXPECTED_SUFFIX)));
  }

  /** Reads an expected-JSON file (as written by make_fixtures.py or torch_oracle.py). */
  public static Expected readExpected(Path json) {
    try {
      return parseExpected(Files.readString(json, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "Cannot read expected JSON " + json + ": " + e.getMessage(), e);
    }
  }

  /** Parses expected-JSON text; unknown or missing fields are errors. */
  public static Expected parseExpected(String json) throws IOException {
    return JSON.readValue(json, Expected.class);
  }

  /**
   * Writes an expected-JSON file, e.g. for {@link TorchPython#loadCheck} of a file our writer
   * produced.
   */
  public static void writeExpected(Expected expected, Path json) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", expected.format());
    ArrayNode tensors = root.putArray("tensors");
    for (ExpectedTensor t : expected.tensors()) {
      ObjectNode node = tensors.addObject();
      node.put("name", t.name());
      node.put("dtype", t.dtype());
      ArrayNode shape = node.putArray("shape");
      for (long size : t.shape()) {
        shape.add(size);
      }
      node.put("sha256", t.sha256());
    }
    Files.writeString(json, JSON.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
  }

  /**
   * The substring a reader's error message must contain for this fixture (from {@code
   * FILE.expect.txt}), or empty when the file is meant to be read.
   */
  public static Optional<String> expectedError(Path fixture) {
    Path txt = sibling(fixture, EXPECT_SUFFIX);
    if (!Files.exists(txt)) {
      return Optional.empty();
    }
    try {
      List<String> lines = Files.readAllLines(txt, StandardCharsets.UTF_8);
      if (lines.size() != 1 || lines.get(0).isBlank()) {
        throw new IllegalStateException(
            "Cannot read " + txt + ": expected exactly one non-blank line, got " + lines.size());
      }
      return Optional.of(lines.get(0));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + txt, e);
    }
  }

  private static List<Path> list(String dir) {
    try (Stream<Path> files = Files.list(root().resolve(dir))) {
      return files.filter(Fixtures::isDataFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list fixtures in " + root().resolve(dir), e);
    }
  }

  private static boolean isDataFile(Path p) {
    String name = p.getFileName().toString();
    return Files.isRegularFile(p)
        && !name.startsWith(".")
        && !name.endsWith(EXPECTED_SUFFIX)
        && !name.endsWith(EXPECT_SUFFIX)
        && !name.endsWith(".md");
  }

  private static Path sibling(Path fixture, String suffix) {
    return fixture.resolveSibling(fixture.getFileName() + suffix);
  }

  private static Path existing(Path p) {
    if (!Files.exists(p)) {
      throw new IllegalStateException("Cannot find fixture file " + p);
    }
    return p;
  }

  private static Path locateRoot() {
    URL url = Fixtures.class.getResource("/fixtures/torch/README.md");
    if (url != null && "file".equals(url.getProtocol())) {
      try {
        return Path.of(url.toURI()).getParent().getParent();
      } catch (URISyntaxException e) {
        throw new IllegalStateException("Cannot locate fixtures from " + url, e);
      }
    }
    Path relative = Path.of("src", "test", "resources", "fixtures");
    if (Files.isDirectory(relative.resolve("torch"))) {
      return relative.toAbsolutePath();
    }
    // tests of sibling modules run with their own module as the working directory
    Path sibling = Path.of("..", "modelstash-format").resolve(relative);
    if (Files.isDirectory(sibling.resolve("torch"))) {
      return sibling.toAbsolutePath().normalize();
    }
    throw new IllegalStateException(
        "Cannot find the fixtures: not on the classpath as a directory and no "
            + relative
            + " under "
            + Path.of("").toAbsolutePath()
            + " (run the tests from the modelstash-format module)");
  }
}
