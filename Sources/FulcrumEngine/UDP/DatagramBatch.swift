import CFulcrumSys

/// Preallocated datagram slots for recvmmsg/sendmmsg: one allocation per engine thread, reused for every batch,
/// so that relaying a datagram allocates nothing.
///
/// Every payload buffer has `headroom` free bytes in front of it, so a PROXY protocol v2 header can be written
/// just before a received datagram and both sent as one without copying the payload.
struct DatagramBatch {
    static let count = 32
    /// The largest UDP payload (65,535 − 8-byte UDP header − 20-byte IPv4 header).
    static let payloadCapacity = 65507
    /// Room for the longest PROXY v2 header Fulcrum writes (16 + 36 bytes for IPv6), rounded up.
    static let headroom = 64

    let slots: UnsafeMutablePointer<fulcrum_datagram>
    private let storage: UnsafeMutableRawPointer
    private static let stride = headroom + payloadCapacity + 13  // keeps each payload 16-byte aligned

    init() {
        self.slots = .allocate(capacity: DatagramBatch.count)
        self.storage = .allocate(byteCount: DatagramBatch.count * DatagramBatch.stride, alignment: 64)
        for index in 0..<DatagramBatch.count {
            var slot = fulcrum_datagram()
            slot.buffer = self.storage + index * DatagramBatch.stride + DatagramBatch.headroom
            slot.capacity = DatagramBatch.payloadCapacity
            (self.slots + index).initialize(to: slot)
        }
    }

    func deallocate() {
        self.slots.deallocate()
        self.storage.deallocate()
    }

    /// Restores the slot's buffer after a send that started inside the headroom.
    func resetBuffer(_ index: Int) {
        self.slots[index].buffer = self.storage + index * DatagramBatch.stride + DatagramBatch.headroom
        self.slots[index].capacity = DatagramBatch.payloadCapacity
    }
}
