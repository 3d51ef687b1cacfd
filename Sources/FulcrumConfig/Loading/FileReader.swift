import Glibc

/// Reads a whole small file with plain POSIX calls, so that a failure can name its reason (`strerror`).
enum FileReader {
    struct Failure: Error, Equatable {
        /// A phrase such as "No such file or directory".
        var reason: String
    }

    static func read(path: String, limit: Int) -> Result<[UInt8], Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Failure(reason: String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(reason: String(cString: strerror(errno))))
            }
            if count == 0 { return .success(contents) }
            contents += chunk[0..<count]
            if contents.count > limit {
                return .failure(Failure(reason: "the file is larger than \(limit / 1024) KiB"))
            }
        }
    }
}
