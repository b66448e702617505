#include <minidl/models/saving/detail/hdf5_image.hpp>

#include <mutex>
#include <set>

#include <hdf5.h>

#include <minidl/core/error.hpp>

namespace minidl::detail {
namespace {

std::mutex& hdf5_lock() {
  static std::mutex mutex;
  return mutex;
}

// HDF5 prints its error stack to stderr by default; minidl reports errors itself.
void silence_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// Closes an HDF5 identifier when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

}  // namespace

Hdf5Reader::Hdf5Reader(const std::string& image, std::string owner)
    : owner_(std::move(owner)), image_size_(image.size()) {
  const std::lock_guard<std::mutex> lock(hdf5_lock());
  silence_hdf5();
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!access.ok() || H5Pset_fapl_core(access.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image(access.get(), const_cast<char*>(image.data()), image.size()) < 0) {
    throw Error(owner_ + ": cannot prepare HDF5 access");
  }
  file_ = H5Fopen("model.weights.h5", H5F_ACC_RDONLY, access.get());
  if (file_ < 0) throw Error(owner_ + ": not an HDF5 file, or a corrupt one");
}

Hdf5Reader::~Hdf5Reader() {
  const std::lock_guard<std::mutex> lock(hdf5_lock());
  if (file_ >= 0) H5Fclose(file_);
}

bool Hdf5Reader::exists(const std::string& path) const {
  // H5Lexists needs every link before the last to exist: check them in turn.
  std::string prefix;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    prefix = path.substr(0, slash);
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

Tensor Hdf5Reader::read(const std::string& path) const {
  Handle set(H5Dopen2(file_, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.ok()) throw Error(owner_ + ": '" + path + "' is not a dataset");
  Handle space(H5Dget_space(set.get()), H5Sclose);
  Handle type(H5Dget_type(set.get()), H5Tclose);
  const int rank = space.ok() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  const H5T_class_t kind = type.ok() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
  if (rank < 0 || rank > Shape::kMaxRank || (kind != H5T_FLOAT && kind != H5T_INTEGER)) {
    throw Error(owner_ + ": dataset '" + path +
                "' is not a numeric array of rank <= " + std::to_string(Shape::kMaxRank));
  }
  hsize_t dims[Shape::kMaxRank] = {};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  // A damaged header may claim any size: the values must fit in the bytes the file stores for
  // them (with room for compression), and those in the file.
  const hsize_t stored = H5Dget_storage_size(set.get());
  double count = 1.0;
  for (int d = 0; d < rank; ++d) count *= double(dims[d]);
  if (stored > image_size_ || count > 64.0 * double(stored) + 1.0) {
    throw Error(owner_ + ": dataset '" + path + "' claims " + std::to_string(count) +
                " values in " + std::to_string(stored) + " stored bytes of a " +
                std::to_string(image_size_) + "-byte file");
  }
  std::vector<Index> shape(dims, dims + rank);
  Tensor values(rank ? Shape(shape) : Shape{});
  if (values.size() > 0 &&
      H5Dread(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    throw Error(owner_ + ": cannot read dataset '" + path + "'");
  }
  return values;
}

std::vector<Tensor> Hdf5Reader::numbered_datasets(const std::string& group) const {
  const std::lock_guard<std::mutex> lock(hdf5_lock());
  std::vector<Tensor> found;
  // HDF5 lists names in lexicographic order (0, 1, 10, 2): read them by number.
  for (int i = 0;; ++i) {
    const std::string path = group + "/" + std::to_string(i);
    if (!exists(path)) break;
    found.push_back(read(path));
  }
  return found;
}

std::int64_t Hdf5Reader::integer(const std::string& path) const {
  const std::lock_guard<std::mutex> lock(hdf5_lock());
  Handle set(exists(path) ? H5Dopen2(file_, path.c_str(), H5P_DEFAULT) : -1, H5Dclose);
  Handle space(set.ok() ? H5Dget_space(set.get()) : -1, H5Sclose);
  std::int64_t value = 0;
  if (!space.ok() || H5Sget_simple_extent_npoints(space.get()) != 1 ||
      H5Dread(set.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0) {
    throw Error(owner_ + ": '" + path + "' is not a scalar integer");
  }
  return value;
}

namespace {

// Makes the groups on `path`'s way that `made` does not hold yet.
void make_groups(hid_t file, const std::string& path, std::set<std::string>& made) {
  for (std::size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string group = path.substr(0, slash);
    if (!made.insert(group).second) continue;
    Handle created(H5Gcreate2(file, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   H5Gclose);
    if (!created.ok()) throw Error("HDF5: cannot create group '" + group + "'");
  }
}

}  // namespace

std::string make_hdf5_image(const std::vector<std::pair<std::string, const Tensor*>>& datasets,
                            const std::vector<std::pair<std::string, std::int64_t>>& integers) {
  const std::lock_guard<std::mutex> lock(hdf5_lock());
  silence_hdf5();
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // In memory only: no backing file.
  if (!access.ok() || H5Pset_fapl_core(access.get(), 1 << 16, 0) < 0) {
    throw Error("HDF5: cannot prepare an in-memory file");
  }
  Handle file(H5Fcreate("model.weights.h5", H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
  if (!file.ok()) throw Error("HDF5: cannot create an in-memory file");
  std::set<std::string> groups;
  for (const auto& [path, value] : integers) {
    make_groups(file.get(), path, groups);
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle set(H5Dcreate2(file.get(), path.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                          H5P_DEFAULT, H5P_DEFAULT),
               H5Dclose);
    if (!set.ok() ||
        H5Dwrite(set.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0) {
      throw Error("HDF5: cannot write dataset '" + path + "'");
    }
  }
  for (const auto& [path, tensor] : datasets) {
    make_groups(file.get(), path, groups);
    const Shape& s = tensor->shape();
    std::vector<hsize_t> dims;
    for (int d = 0; d < s.rank(); ++d) dims.push_back(hsize_t(s[d]));
    Handle space(
        s.rank() ? H5Screate_simple(s.rank(), dims.data(), nullptr) : H5Screate(H5S_SCALAR),
        H5Sclose);
    Handle set(H5Dcreate2(file.get(), path.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                          H5P_DEFAULT, H5P_DEFAULT),
               H5Dclose);
    if (!set.ok() ||
        H5Dwrite(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor->data()) < 0) {
      throw Error("HDF5: cannot write dataset '" + path + "'");
    }
  }
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw Error("HDF5: cannot flush the file");
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  std::string image(size > 0 ? std::size_t(size) : 0, '\0');
  if (size <= 0 || H5Fget_file_image(file.get(), image.data(), image.size()) != size) {
    throw Error("HDF5: cannot read back the in-memory file");
  }
  return image;
}

}  // namespace minidl::detail
