// UDP load balancing lands with its own issue; until then the configuration rejects `protocol: udp`, and these
// entry points only keep the event loop's shape.
extension Worker {
    func datagramListenerReadable(listenerIndex: Int, tag: EventTag) {}
    func datagramSessionReadable(sessionIndex: Int, tag: EventTag, events: UInt32) {}
    func datagramListenerAdded(at index: Int) {}
    func datagramListenerRemoved(at index: Int) {}
    func stopDatagramListeners() {}
    func closeAllDatagramSessions(reason: EndReason) {}
    func routingChangedForDatagrams() {}
    func flushDatagrams() {}
    func datagramTimerFired(_ session: Int) {}
}

struct DatagramWorkerState {
    var hasPendingWork: Bool { false }
    func sleepBudget(now: UInt64) -> UInt64? { nil }
}
