/**
 * Pickles as {@code torch.save} writes them ({@code data.pkl}), read and written without ever
 * executing anything named by the input.
 *
 * <ul>
 *   <li>{@link io.modelstash.format.pickle.WeightsOnlyUnpickler}: accepts exactly what the newest
 *       {@code torch.load(weights_only=True)} accepts (protocol-2 opcodes, a fixed allowlist of
 *       globals, strict argument checks for every callable) and returns the object model below.
 *   <li>{@link io.modelstash.format.pickle.PickleScanner}: lists the storages of any torch pickle,
 *       protocols 0 to 5 and any globals, without building objects.
 *   <li>{@link io.modelstash.format.pickle.PickleWriter}: writes the object model as protocol 2,
 *       the way CPython's pickler under {@code torch.save} does, for PyTorch 1.13 or current.
 * </ul>
 *
 * <h2>Object model</h2>
 *
 * <table>
 *   <caption>Python value and its Java form</caption>
 *   <tr><th>Python</th><th>Java</th></tr>
 *   <tr><td>None, bool, int, float, str</td>
 *       <td>{@link io.modelstash.format.pickle.PyNone#NONE}, Boolean, Long (BigInteger outside the
 *       long range), Double, String (lone surrogates allowed)</td></tr>
 *   <tr><td>bytes, bytearray</td><td>{@link io.modelstash.format.pickle.PyBytes}</td></tr>
 *   <tr><td>tuple, list, set, complex</td>
 *       <td>{@link io.modelstash.format.pickle.PyTuple}, {@link io.modelstash.format.pickle.PyList},
 *       {@link io.modelstash.format.pickle.PySet}, {@link io.modelstash.format.pickle.PyComplex}
 *       </td></tr>
 *   <tr><td>dict, OrderedDict, Counter</td>
 *       <td>{@link io.modelstash.format.pickle.PyDict} (Python key equality, BUILD attributes)</td>
 *       </tr>
 *   <tr><td>torch.Size, torch.device, torch.layout, dtypes, qschemes</td>
 *       <td>{@link io.modelstash.format.pickle.TorchSize},
 *       {@link io.modelstash.format.pickle.TorchDevice},
 *       {@link io.modelstash.format.pickle.TorchLayout}, {@link io.modelstash.format.DType},
 *       {@link io.modelstash.format.pickle.QScheme}</td></tr>
 *   <tr><td>storage persistent id, tensors</td>
 *       <td>{@link io.modelstash.format.pickle.StorageRef},
 *       {@link io.modelstash.format.pickle.TensorRef},
 *       {@link io.modelstash.format.pickle.SparseTensorRef}</td></tr>
 *   <tr><td>other allowlisted classes and functions left as values</td>
 *       <td>{@link io.modelstash.format.pickle.PyGlobal}</td></tr>
 * </table>
 *
 * <p>Equality, hashing and {@code toString} of the model are structural and iterative: graphs may
 * be deep, shared or cyclic (a list that contains itself) without overflowing the stack.
 *
 * <h2>Bytes written</h2>
 *
 * <p>{@code 80 02} (PROTO 2), the object, {@code 2E} (STOP). Ints use BININT1, BININT2, BININT or
 * LONG1; floats BINFLOAT (big-endian); strings BINUNICODE (UTF-8, surrogatepass); tuples
 * EMPTY_TUPLE, TUPLE1-3 or MARK…TUPLE; lists and dicts EMPTY_LIST/EMPTY_DICT then
 * APPEND(S)/SETITEM(S) in batches of 1000; every other value is a GLOBAL plus REDUCE of an
 * allowlisted callable, e.g. {@code collections.OrderedDict ()} or {@code
 * torch._utils._rebuild_tensor_v2(('storage', torch.FloatStorage, key, location, numel), offset,
 * size, stride, requires_grad, OrderedDict())}, whose persistent id tuple is read by BINPERSID.
 * Memoisation follows CPython: BINPUT (index below 256) or LONG_BINPUT after each memoisable
 * object, BINGET/LONG_BINGET for a repeat.
 */
package io.modelstash.format.pickle;
