package io.modelstash.format.pickle;

/**
 * A {@code torch.qscheme}; pickles name it with a global such as {@code torch per_tensor_affine}.
 */
public enum QScheme {
  PER_TENSOR_AFFINE("per_tensor_affine"),
  PER_CHANNEL_AFFINE("per_channel_affine"),
  PER_TENSOR_SYMMETRIC("per_tensor_symmetric"),
  PER_CHANNEL_SYMMETRIC("per_channel_symmetric"),
  PER_CHANNEL_AFFINE_FLOAT_QPARAMS("per_channel_affine_float_qparams");

  private final String torchName;

  QScheme(String torchName) {
    this.torchName = torchName;
  }

  /** The name without {@code torch.}, e.g. {@code per_tensor_affine}. */
  public String torchName() {
    return torchName;
  }

  /** Whether the scheme has one scale and zero point per channel. */
  public boolean perChannel() {
    return this == PER_CHANNEL_AFFINE
        || this == PER_CHANNEL_SYMMETRIC
        || this == PER_CHANNEL_AFFINE_FLOAT_QPARAMS;
  }

  @Override
  public String toString() {
    return "torch." + torchName;
  }
}
