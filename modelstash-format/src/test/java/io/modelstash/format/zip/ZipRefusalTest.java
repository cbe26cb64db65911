package io.modelstash.format.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.ByteSource;
import io.modelstash.format.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every archive {@link ZipArchive#read} must refuse, each crafted with {@link TestZip}. */
class ZipRefusalTest {

  private static void assertRefused(byte[] zip, String message) {
    assertThatThrownBy(() -> ZipArchive.read(ByteSource.wrap(zip)))
        .isExactlyInstanceOf(FormatException.class)
        .hasMessageStartingWith("Cannot ")
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  private static TestZip valid() {
    TestZip t = new TestZip();
    t.add("p/a", "first");
    t.add("p/b", "second");
    return t;
  }

  @Test
  void theBaselineIsAccepted() throws IOException {
    assertThat(ZipArchive.read(ByteSource.wrap(valid().build())).entries()).hasSize(2);
  }

  // --- end records ---------------------------------------------------------------------------

  @Test
  void refusesFilesWithoutEndRecord() {
    assertRefused(new byte[10], "fewer than an end of central directory record");
    assertRefused(new byte[1000], "no end of central directory record");
    assertRefused(
        "PK\3\4 not really a zip".repeat(10).getBytes(StandardCharsets.US_ASCII), "no end");
  }

  @Test
  void refusesEndRecordFurtherThan65557BytesFromTheEnd() {
    TestZip t = valid();
    t.trailing = new byte[0x10000];
    assertRefused(t.build(), "no end of central directory record in the last 65557 bytes");
  }

  @Test
  void refusesDataAfterTheEndRecord() {
    TestZip t = valid();
    t.trailing = new byte[] {1, 2, 3};
    assertRefused(t.build(), "no end of central directory record");
  }

  @Test
  void refusesMultiDiskArchives() {
    TestZip t = valid();
    t.eocdDisk = 1;
    assertRefused(t.build(), "multi-disk");
    TestZip d = valid();
    d.entries.get(1).disk(2);
    assertRefused(d.build(), "multi-disk");
    TestZip z = valid();
    z.zip64End = true;
    z.zip64LocatorDisks = 2;
    assertRefused(z.build(), "multi-disk");
  }

  @Test
  void refusesCentralDirectoryThatDoesNotEndBeforeTheEndRecord() {
    TestZip t = valid();
    t.cdSize = 1000L;
    assertRefused(t.build(), "does not end by its end record");
    TestZip o = valid();
    o.cdOffset = 0xFFFF_FF00L;
    assertRefused(o.build(), "does not end by its end record");
  }

  @Test
  void refusesZip64LocatorPointingNowhere() {
    TestZip t = valid();
    t.zip64End = true;
    t.zip64LocatorOffset = 1L << 40;
    assertRefused(t.build(), "leaves no room for a ZIP64 end record");
    TestZip s = valid();
    s.zip64End = true;
    s.zip64LocatorOffset = 0L;
    assertRefused(s.build(), "expected 0x06064b50");
  }

  @Test
  void refusesZip64EndRecordThatIsNotRightBeforeItsLocator() {
    TestZip t = valid();
    t.zip64End = true;
    t.zip64RecordSize = 52L;
    assertRefused(t.build(), "declares 52 bytes");
  }

  @Test
  void refusesZip64EndRecordThatDisagreesWithTheClassicOne() {
    TestZip t = valid();
    t.zip64End = true;
    t.zip64CdOffset = 3L;
    assertRefused(t.build(), "disagrees with the ZIP64 end record");
    TestZip c = valid();
    c.zip64End = true;
    c.zip64Count = 1L;
    assertRefused(c.build(), "disagrees with the ZIP64 end record");
  }

  @Test
  void refusesHugeZip64EntryCountsAndSizesWithoutAllocating() {
    TestZip t = valid();
    t.zip64End = true;
    t.count = 0xFFFF;
    t.zip64Count = -1L; // 2^64 - 1
    assertRefused(t.build(), "more than the limit of " + ZipArchive.Limits.DEFAULT_MAX_ENTRIES);
    TestZip n = valid();
    n.zip64End = true;
    n.count = 0xFFFF;
    n.zip64Count = 200_000L;
    assertRefused(n.build(), "200000 entries cannot fit in a central directory of");
    TestZip s = valid();
    s.zip64End = true;
    s.cdSize = 0xFFFF_FFFFL;
    assertRefused(s.build(), "exceeds the limit of 67108864");
  }

  // --- central directory ---------------------------------------------------------------------

  @Test
  void refusesWrongEntryCount() {
    TestZip more = valid();
    more.count = 3;
    assertRefused(more.build(), "3 entries cannot fit");
    TestZip fewer = valid();
    fewer.count = 1;
    assertRefused(fewer.build(), "bytes left after its 1 entries");
    TestZip trailing = valid();
    trailing.cdTrailing = new byte[50];
    trailing.count = 3;
    assertRefused(trailing.build(), "signature 0x00000000, expected 0x02014b50");
  }

  @Test
  void refusesZip64SentinelWithoutZip64Field() {
    TestZip t = valid();
    t.entries.get(0).sizes(0xFFFF_FFFFL, 0xFFFF_FFFFL);
    assertRefused(t.build(), "ZIP64 placeholder but the ZIP64 extra field does not hold it");
    TestZip u = valid();
    u.entries.get(0).zip64().cdExtra(new byte[0]);
    u.entries.get(0).sizes(5, 5);
    byte[] bytes = u.build();
    // Shrink the ZIP64 field's declared length from 24 to 8: only the size fits.
    int field = indexOf(bytes, new byte[] {1, 0, 24, 0});
    bytes[field + 2] = 8;
    assertRefused(bytes, "compressed size is a ZIP64 placeholder");
  }

  @Test
  void refusesHugeZip64Values() {
    TestZip t = valid();
    t.entries.get(0).zip64().sizes(1L << 40, 1L << 40);
    assertRefused(t.build(), "run past the central directory");
    TestZip neg = valid();
    neg.entries.get(0).zip64().sizes(-1L, -1L);
    assertRefused(neg.build(), "2^63 or more");
  }

  @Test
  void refusesCorruptExtraFields() {
    TestZip t = valid();
    t.entries.get(0).cdExtra(new byte[] {0x55, 0x54, 9, 0, 1, 2});
    assertRefused(t.build(), "extra field 0x5455 declares 9 bytes but only 2 remain");
    TestZip two = valid();
    two.entries.get(0).zip64().cdExtra(TestZip.zip64Extra(5, 5, 0));
    assertRefused(two.build(), "two ZIP64 extra fields");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 6, 9, 12, 14, 93, 99})
  void refusesMethodsOtherThanStoredAndDeflated(int method) {
    TestZip t = valid();
    t.entries.get(1).method(method);
    assertRefused(t.build(), "compression method " + method + " is not supported");
  }

  @Test
  void refusesEncryptedEntries() {
    TestZip t = valid();
    t.entries.get(0).flags(0x0001);
    assertRefused(t.build(), "encrypted");
  }

  @Test
  void refusesStoredEntriesWhoseSizesDiffer() {
    TestZip t = valid();
    t.entries.get(0).sizes(5, 5000);
    assertRefused(t.build(), "stored but its compressed size 5 differs from its size 5000");
  }

  @Test
  void refusesDuplicateNames() {
    TestZip t = valid();
    t.add("p/a", "again");
    assertRefused(t.build(), "'p/a': duplicate entry, the name appears twice");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "/abs", "a\\b", "..", "../x", "a/../b", "a/..", ".", "./a", "a/./b", "a//b", "a\0b",
        "x/\0"
      })
  void refusesUnsafeNames(String name) {
    TestZip t = valid();
    t.add(name, "x");
    assertRefused(t.build(), "(unsafe name)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"c328", "c0af", "eda080", "ff", "e282", "f4908080"})
  void refusesNamesThatAreNotUtf8(String hex) {
    TestZip t = valid();
    t.add("x", new byte[] {1}).rawName(java.util.HexFormat.of().parseHex(hex));
    assertRefused(t.build(), "the name is not valid UTF-8");
  }

  // --- local headers and data ----------------------------------------------------------------

  @Test
  void refusesLocalHeaderWithWrongSignature() {
    TestZip t = valid();
    t.beforeCd = new byte[40];
    t.entries.get(1).at(40);
    assertRefused(
        t.build(), "local header at offset 40 has signature 0x00000000, expected 0x04034b50");
  }

  @Test
  void refusesLocalHeaderPastTheCentralDirectory() {
    TestZip t = valid();
    t.entries.get(1).at(1000);
    assertRefused(t.build(), "is not before the central directory");
  }

  @Test
  void refusesLocalNameDifferentFromCentralName() {
    TestZip t = valid();
    t.entries.get(1).localName("p/c");
    assertRefused(t.build(), "'p/b': its local header at offset 38 names 'p/c'");
    TestZip longer = valid();
    longer.entries.get(1).localName("p/bb");
    assertRefused(longer.build(), "names 'p/bb'");
  }

  @Test
  void refusesLocalMethodDifferentFromCentralMethod() {
    TestZip t = valid();
    t.entries.get(0).localMethod(8);
    assertRefused(t.build(), "local header says method 8, central directory says 0");
  }

  @Test
  void refusesLocalSizesDifferentFromCentralSizes() {
    TestZip t = valid();
    t.entries.get(0).localSizes(4, 4);
    assertRefused(t.build(), "local header records sizes 4/4, central directory 5/5");
  }

  @Test
  void refusesDataDescriptorDifferentFromCentralDirectory() {
    TestZip t = valid();
    t.entries
        .get(0)
        .descriptor(new TestZip.Out().u32(0x08074B50).u32(0).u32(4).u32(4).toByteArray());
    assertRefused(t.build(), "data descriptor at offset 38 records sizes 4/4");
  }

  @Test
  void acceptsDataDescriptorWithoutSignature() throws IOException {
    TestZip t = valid();
    t.entries.get(0).descriptor(new TestZip.Out().u32(0).u32(5).u32(5).toByteArray());
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(t.build()));
    ZipEntry e = zip.entries().get(0);
    assertThat(e.recordEnd() - e.dataEnd()).isEqualTo(12);
  }

  @Test
  void refusesDataDescriptorRunningIntoTheCentralDirectory() {
    TestZip t = new TestZip();
    t.add("p/a", "first").descriptor(new byte[] {0x50, 0x4B, 7, 8, 0, 0});
    assertRefused(t.build(), "data descriptor at offset 38 runs past the central directory");
  }

  @Test
  void refusesDataRunningIntoTheCentralDirectory() {
    TestZip t = valid();
    t.entries.get(1).sizes(100, 100);
    assertRefused(t.build(), "100 bytes of data at offset 71 run past the central directory");
  }

  @Test
  void refusesLocalHeaderRunningIntoTheCentralDirectory() {
    TestZip t = valid();
    byte[] bytes = t.build();
    ZipFormat.put16(bytes, 38 + 28, 0xFFFF); // entry p/b: extra length
    assertRefused(bytes, "runs into the central directory");
  }

  @Test
  void refusesOverlappingEntries() {
    // Entry "p/a" stores, as its data, a complete local record of "p/b": the overlapping-entry
    // construction that lets one byte range count for many entries.
    TestZip inner = new TestZip();
    inner.add("p/b", "payload");
    byte[] innerRecord = Arrays.copyOf(inner.build(), 30 + 3 + 7);
    TestZip t = new TestZip();
    t.add("p/a", innerRecord);
    t.add("p/b", "payload").at(30 + 3);
    assertRefused(
        t.build(), "'p/b': its local header at offset 33 lies inside entry 'p/a' [0, 73)");

    TestZip same = new TestZip();
    same.add("p/a", "x");
    same.add("p/a2", "x").at(0).rawName("p/a".getBytes(StandardCharsets.UTF_8));
    assertRefused(same.build(), "appears twice");
  }

  @Test
  void refusesEveryTruncationOfAValidArchive() {
    for (String file : ZipTestFiles.ALL) {
      byte[] bytes = ZipTestFiles.bytes(file);
      for (int n = 0; n < bytes.length; n++) {
        byte[] cut = Arrays.copyOf(bytes, n);
        assertThatThrownBy(() -> ZipArchive.read(ByteSource.wrap(cut)))
            .as("%s cut to %d bytes", file, n)
            .isExactlyInstanceOf(FormatException.class);
      }
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
