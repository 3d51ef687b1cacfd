import CFulcrumSys
import Glibc

/// A pipe used by splice: bytes go source socket → `writeEnd` … `readEnd` → destination socket.
struct PipePair: Equatable {
    var readEnd: Int32
    var writeEnd: Int32

    static let none = PipePair(readEnd: -1, writeEnd: -1)
    var isValid: Bool { self.readEnd >= 0 }
}

/// The pipes of one engine thread. A spliced connection would otherwise cost six descriptors for its whole life;
/// pipes are taken only while a direction is in bulk mode (or holds a stash) and come back here, empty, afterwards.
struct PipePool {
    /// Pipe capacity asked for, in bytes; also the largest splice per call. Four times the kernel's default: a bulk
    /// stream then costs a quarter of the splice calls, and a pipe is held only while a direction is in bulk mode.
    static let pipeSize = 262144
    /// The smallest capacity worth using: a pipe must take a whole copy buffer (the stash) in one write.
    static let minimumUsableSize = 65536
    /// Pipes kept for reuse; beyond this, returned pipes are closed.
    private let keep: Int
    private var free: [PipePair] = []
    private(set) var created = 0

    init(keep: Int = 256) {
        self.keep = keep
        self.free.reserveCapacity(keep)
    }

    /// A pipe from the pool, or a new one; `nil` when the process is out of descriptors.
    mutating func take() -> PipePair? {
        if let pipe = self.free.popLast() { return pipe }
        var fds: (Int32, Int32) = (-1, -1)
        let capacity = withUnsafeMutablePointer(to: &fds) {
            $0.withMemoryRebound(to: Int32.self, capacity: 2) { fulcrum_pipe($0, Int32(PipePool.pipeSize)) }
        }
        guard capacity >= 0 else { return nil }
        // Over the per-user pipe quota (fs.pipe-user-pages-soft) the kernel hands out one-page pipes, too small to
        // take a stash whole: treat that like a descriptor shortage.
        guard capacity >= PipePool.minimumUsableSize else {
            close(fds.0)
            close(fds.1)
            return nil
        }
        self.created += 1
        return PipePair(readEnd: fds.0, writeEnd: fds.1)
    }

    /// Returns a pipe. A pipe that may still hold bytes must not be reused, so it is closed.
    mutating func give(_ pipe: PipePair, empty: Bool) {
        guard pipe.isValid else { return }
        if empty && self.free.count < self.keep {
            self.free.append(pipe)
        } else {
            close(pipe.readEnd)
            close(pipe.writeEnd)
        }
    }

    mutating func closeAll() {
        for pipe in self.free {
            close(pipe.readEnd)
            close(pipe.writeEnd)
        }
        self.free.removeAll()
    }
}
