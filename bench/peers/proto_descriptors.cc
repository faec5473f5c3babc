// proto_descriptors: turns the protodesc_cold section of libopentelemetry_proto.so (the serialized
// FileDescriptorProtos that protoc compiled into it, each a NUL-terminated string literal, among the
// messages' offset tables) into a
// FileDescriptorSet, so protoc --descriptor_set_in can regenerate the very .pb.h headers the library was
// built from: opentelemetry-cpp's -dev package does not ship them, and OtlpRecordable's layout depends
// on them. Run at configure time by bench/peers/CMakeLists.txt (try_run).
//
//   proto_descriptors SECTION_FILE OUT_SET     prints the file names it found, one per line
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

bool varint(const std::vector<unsigned char> &b, size_t &pos, uint64_t &v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < b.size(); shift += 7) {
    unsigned char c = b[pos++];
    v |= uint64_t(c & 0x7f) << shift;
    if (!(c & 0x80)) return true;
  }
  return false;
}

void put_varint(std::string &out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

// A FileDescriptorProto literal starts with its name (field 1: tag 0x0a, a length, "....proto") right
// after the previous literal's NUL or padding.
bool descriptor_at(const std::vector<unsigned char> &b, size_t pos) {
  if (b[pos] != 0x0a || (pos > 0 && b[pos - 1] != 0)) return false;
  size_t p = pos + 1;
  uint64_t len;
  if (!varint(b, p, len) || len < 7 || len > 512 || len > b.size() - p) return false;
  for (size_t i = p; i < p + len; i++)
    if (b[i] < 0x20 || b[i] > 0x7e) return false;
  return std::memcmp(&b[p + len - 6], ".proto", 6) == 0;
}

// Its top-level fields, up to the literal's terminating NUL (tag 0 is never valid); pos ends on the NUL.
bool parse_descriptor(const std::vector<unsigned char> &b, size_t &pos, std::string &name) {
  for (;;) {
    uint64_t tag, v;
    if (pos >= b.size()) return false;
    if (b[pos] == 0) return true;
    if (!varint(b, pos, tag)) return false;
    switch (tag & 7) {
      case 0:
        if (!varint(b, pos, v)) return false;
        break;
      case 2:
        if (!varint(b, pos, v) || v > b.size() - pos) return false;
        if ((tag >> 3) == 1) name.assign(reinterpret_cast<const char *>(&b[pos]), size_t(v));
        pos += size_t(v);
        break;
      default:
        return false;
    }
  }
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: proto_descriptors SECTION_FILE OUT_SET\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string set;
  int files = 0;
  size_t pos = 0;
  while (pos < b.size()) {
    if (!descriptor_at(b, pos)) {  // the section also holds the messages' offset tables: skip those
      pos++;
      continue;
    }
    size_t start = pos;
    std::string name;
    if (!parse_descriptor(b, pos, name)) {
      std::fprintf(stderr, "proto_descriptors: %s at offset %zu does not parse\n", name.c_str(), start);
      return 1;
    }
    set.push_back(0x0a);  // FileDescriptorSet.file
    put_varint(set, pos - start);
    set.append(reinterpret_cast<const char *>(&b[start]), pos - start);
    std::printf("%s\n", name.c_str());
    files++;
  }
  if (!files) {
    std::fprintf(stderr, "proto_descriptors: no descriptors in %s\n", argv[1]);
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary);
  out.write(set.data(), std::streamsize(set.size()));
  return out ? 0 : 1;
}
