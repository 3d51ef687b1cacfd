import FulcrumNet

/// A UDP flow: datagrams from one client address and port to one listener, forwarded over a connected socket of
/// its own to the backend chosen for its first datagram. Stored by value in the thread's session table.
struct DatagramSession {
    var inUse = false
    /// Bumped every time the slot is freed, so that events still queued for the old session are ignored.
    var generation: UInt32 = 0
    /// The connected socket to the backend.
    var fd: Int32 = -1
    /// Index of the listener the client sent to (its socket sends the replies).
    var listenerIndex: Int = -1
    var service: ServiceRoute?
    var backend: BackendRoute?
    var client = IPEndpoint(address: .v4(0), port: 0)
    /// The address the client sent to: replies leave from it, even on a wildcard listener.
    var local = IPEndpoint(address: .v4(0), port: 0)
    var sourceSlot: Int?
    var bytesIn: UInt64 = 0
    var bytesOut: UInt64 = 0
    var startedAt: UInt64 = 0
    var startedAtWall: UInt64 = 0
    var lastActivity: UInt64 = 0
}

/// (listener, client address and port): what identifies a flow (SPEC §7).
struct FlowKey: Hashable {
    var listenerIndex: Int
    var client: IPEndpoint
}
