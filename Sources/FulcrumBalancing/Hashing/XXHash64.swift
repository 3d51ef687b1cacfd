/// XXH64, Yann Collet's 64-bit xxHash (https://github.com/Cyan4973/xxHash, `XXH64` in xxhash.h), bit for bit.
///
/// Routing decisions must be identical on every Fulcrum instance, on every machine and in every process, so they use
/// this named, seeded, portable function and never Swift's `Hasher` (randomly seeded per process). The tests check it
/// against vectors produced by the reference implementation. Input is read as little-endian words whatever the CPU,
/// as the reference does.
public enum XXHash64 {
    static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// The hash of `bytes` with `seed`.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let length = bytes.count
        var offset = 0
        var accumulator: UInt64
        if length >= 32 {
            var lane1 = seed &+ XXHash64.prime1 &+ XXHash64.prime2
            var lane2 = seed &+ XXHash64.prime2
            var lane3 = seed
            var lane4 = seed &- XXHash64.prime1
            while offset + 32 <= length {
                lane1 = XXHash64.round(lane1, XXHash64.word(bytes, offset))
                lane2 = XXHash64.round(lane2, XXHash64.word(bytes, offset + 8))
                lane3 = XXHash64.round(lane3, XXHash64.word(bytes, offset + 16))
                lane4 = XXHash64.round(lane4, XXHash64.word(bytes, offset + 24))
                offset += 32
            }
            accumulator = lane1.rotatedLeft(1) &+ lane2.rotatedLeft(7) &+ lane3.rotatedLeft(12) &+ lane4.rotatedLeft(18)
            accumulator = XXHash64.mergeRound(accumulator, lane1)
            accumulator = XXHash64.mergeRound(accumulator, lane2)
            accumulator = XXHash64.mergeRound(accumulator, lane3)
            accumulator = XXHash64.mergeRound(accumulator, lane4)
        } else {
            accumulator = seed &+ XXHash64.prime5
        }
        accumulator &+= UInt64(length)
        while offset + 8 <= length {
            accumulator ^= XXHash64.round(0, XXHash64.word(bytes, offset))
            accumulator = accumulator.rotatedLeft(27) &* XXHash64.prime1 &+ XXHash64.prime4
            offset += 8
        }
        if offset + 4 <= length {
            let half = UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            accumulator ^= half &* XXHash64.prime1
            accumulator = accumulator.rotatedLeft(23) &* XXHash64.prime2 &+ XXHash64.prime3
            offset += 4
        }
        while offset < length {
            accumulator ^= UInt64(bytes[offset]) &* XXHash64.prime5
            accumulator = accumulator.rotatedLeft(11) &* XXHash64.prime1
            offset += 1
        }
        return XXHash64.avalanche(accumulator)
    }

    /// The hash of a string's UTF-8 bytes (used for member keys, off the hot path).
    public static func hash(_ text: String, seed: UInt64 = 0) -> UInt64 {
        var copy = text
        return copy.withUTF8 { XXHash64.hash(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// The hash of a byte array.
    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { XXHash64.hash($0, seed: seed) }
    }

    /// The final mix of XXH64 alone: a fast, well-spread bijection of 64-bit values.
    public static func avalanche(_ value: UInt64) -> UInt64 {
        var mixed = value
        mixed ^= mixed >> 33
        mixed &*= XXHash64.prime2
        mixed ^= mixed >> 29
        mixed &*= XXHash64.prime3
        mixed ^= mixed >> 32
        return mixed
    }

    @inline(__always)
    static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        (accumulator &+ input &* XXHash64.prime2).rotatedLeft(31) &* XXHash64.prime1
    }

    @inline(__always)
    static func mergeRound(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        (accumulator ^ XXHash64.round(0, lane)) &* XXHash64.prime1 &+ XXHash64.prime4
    }
}

extension UInt64 {
    @inline(__always)
    func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 &- count))
    }
}
