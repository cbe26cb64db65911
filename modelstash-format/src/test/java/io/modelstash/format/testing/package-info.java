/**
 * Test support shared by the format tests: the checked-in fixtures ({@link
 * io.modelstash.format.testing.Fixtures}) and real PyTorch as an oracle ({@link
 * io.modelstash.format.testing.TorchPython}).
 *
 * <p>The fixtures are written by {@code src/test/python/make_fixtures.py} (real {@code torch.save}
 * files with an {@code .expected.json} each) and {@code make_hostile.py} (crafted bad inputs with
 * an {@code .expect.txt} each); {@code src/test/python/torch_oracle.py} is the CLI the live tests
 * call. The READMEs next to the fixtures list every file and what it covers.
 */
package io.modelstash.format.testing;
