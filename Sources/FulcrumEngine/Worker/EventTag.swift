/// What an epoll registration refers to, packed into the event's 64-bit user data:
/// `kind` (8 bits) | `generation` (24 bits) | `index` (32 bits).
struct EventTag: Equatable {
    enum Kind: UInt8 {
        case wake = 1
        case listener = 2
        case client = 3
        case backend = 4
        case datagramListener = 5
        case datagramSession = 6
    }

    var kind: Kind
    var generation: UInt32
    var index: Int

    init(_ kind: Kind, index: Int, generation: UInt32 = 0) {
        self.kind = kind
        self.index = index
        self.generation = generation & 0xFF_FFFF
    }

    init?(rawValue: UInt64) {
        guard let kind = Kind(rawValue: UInt8(truncatingIfNeeded: rawValue >> 56)) else { return nil }
        self.kind = kind
        self.generation = UInt32(truncatingIfNeeded: rawValue >> 32) & 0xFF_FFFF
        self.index = Int(UInt32(truncatingIfNeeded: rawValue))
    }

    var rawValue: UInt64 {
        UInt64(self.kind.rawValue) << 56 | UInt64(self.generation & 0xFF_FFFF) << 32 | UInt64(UInt32(self.index))
    }

    /// Whether `generation` (a slot's full generation counter) still matches this tag.
    func matches(_ generation: UInt32) -> Bool { self.generation == generation & 0xFF_FFFF }
}
