import Glibc

/// Lines for people on standard error (validation errors, start-up failures).
enum StandardError {
    static func print(_ line: String) { FileDescriptorOutput.write(line, to: STDERR_FILENO) }
}

/// Lines for people on standard output, written at once (log lines share the descriptor).
enum StandardOutput {
    static func print(_ line: String) { FileDescriptorOutput.write(line, to: STDOUT_FILENO) }
}

enum FileDescriptorOutput {
    static func write(_ line: String, to descriptor: Int32) {
        var bytes = Array((line + "\n").utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }
}
