import Glibc

/// Figures about the process for `/metrics`: what Fulcrum is, and what the kernel says about it.
struct ProcessFigures: Sendable {
    var version: String
    var engineThreads: Int
    var accessLogDropped: Int
    /// `nil` where /proc cannot be read.
    var system: SystemFigures?
}

/// The usual `process_*` figures, read from /proc (Linux is the only supported platform).
struct SystemFigures: Sendable {
    var startTimeSeconds: Double
    var cpuSeconds: Double
    var residentBytes: Double
    var virtualBytes: Double
    var openDescriptors: Double
    var maxDescriptors: Double

    static func read() -> SystemFigures? {
        guard let stat = Self.readFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name, which may itself contain spaces and parentheses; field 3 (state) comes first.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return fields.indices.contains(index) ? Double(fields[index]) : nil
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        guard ticks > 0, let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
            let resident = field(24), let bootTime = Self.bootTime()
        else { return nil }
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        let maxDescriptors = getrlimit(resource, &limit) == 0 ? Double(limit.rlim_cur) : 0
        return SystemFigures(
            startTimeSeconds: bootTime + start / ticks,
            cpuSeconds: (user + system) / ticks,
            residentBytes: resident * pageSize,
            virtualBytes: virtual,
            openDescriptors: Double(Self.countOpenDescriptors()),
            maxDescriptors: maxDescriptors)
    }

    private static func bootTime() -> Double? {
        guard let text = Self.readFile("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    private static func countOpenDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in name.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        // The descriptor opendir itself holds.
        return max(0, count - 1)
    }

    /// A small /proc file (they report size 0, so read until the end).
    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
