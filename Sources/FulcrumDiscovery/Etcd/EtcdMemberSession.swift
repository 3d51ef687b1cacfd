import AsyncHTTPClient
import Foundation
import NIOCore

/// The source's time with one etcd member: read every key under the prefix and report it, then watch the prefix
/// from the revision after that read (so that no write between the read and the watch is lost) and report the
/// complete set after each batch of events, while checking every few seconds that the member still answers.
/// It lasts until something breaks, and says what in the `EtcdSessionEnd` it throws.
struct EtcdMemberSession: Sendable {
    let gateway: EtcdGateway
    let range: EtcdKeyRange
    let timing: EtcdTiming
    let lookup: HostNameLookup
    let report: DiscoveryReport

    /// Runs the session against `table`, the backends as last known (kept across sessions, so that a key whose
    /// value turned bad keeps its last good backend). Calls `readSucceeded` once the first read was reported.
    func run(table: inout EtcdBackendTable, readSucceeded: () -> Void) async throws(EtcdSessionEnd) {
        let answer: EtcdRangeResponse
        do {
            answer = try await self.gateway.range(self.range)
        } catch {
            throw Task.isCancelled ? .cancelled : .failed(error)
        }
        var entries: [(key: String, value: Result<DiscoveredBackend, EtcdValueRejection>)] = []
        for keyValue in answer.kvs {
            let value = await EtcdBackendValue.backend(from: keyValue.value, using: self.lookup)
            entries.append((String(decoding: keyValue.key, as: UTF8.self), value))
        }
        if Task.isCancelled { throw .cancelled }
        table.replaceAll(with: entries)
        self.publish(&table)
        readSucceeded()
        try await self.watch(from: answer.header.revision + 1, table: &table)
    }

    /// What the watch's reading task hands the reporting loop, in order.
    private enum WatchItem: Sendable {
        /// The events of one watch answer (one revision, or several after a quiet stretch).
        case events([EtcdWatchEvent])
        /// The coalescing window that the first events of a batch opened has passed: report the batch.
        case windowClosed
    }

    /// Follows the watch until it breaks. Three tasks: one reads the watch, one checks liveness, and this one
    /// applies events and reports; the first two end the third by finishing the stream with their error.
    private func watch(from revision: Int64, table: inout EtcdBackendTable) async throws(EtcdSessionEnd) {
        let (items, continuation) = AsyncThrowingStream<WatchItem, any Error>.makeStream()
        var pending: [EtcdWatchEvent] = []
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The reading and checking tasks never end on their own: leaving this closure must stop them.
                defer { group.cancelAll() }
                group.addTask {
                    do {
                        try await self.readWatch(from: revision, into: continuation)
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
                group.addTask {
                    do {
                        while true {
                            try await Task.sleep(for: self.timing.livenessInterval)
                            try await self.gateway.checkLiveness(self.range)
                        }
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
                for try await item in items {
                    switch item {
                    case .events(let events):
                        if pending.isEmpty {
                            // The batch's first events: wait out the window (the reading task goes on queueing
                            // events meanwhile), then mark its end in the queue, behind everything that came in.
                            pending = events
                            try await Task.sleep(for: self.timing.coalescingWindow)
                            continuation.yield(.windowClosed)
                        } else {
                            pending += events
                        }
                    case .windowClosed:
                        await self.apply(pending, to: &table)
                        pending = []
                        self.publish(&table)
                    }
                }
                // The stream ends without an error only when this task was cancelled.
                throw CancellationError()
            }
        } catch {
            // Events that arrived before the break are real: report them now rather than after a reconnect that
            // may take long (the re-read after it gives the same answer anyway).
            if !pending.isEmpty, !Task.isCancelled {
                await self.apply(pending, to: &table)
                self.publish(&table)
            }
            if Task.isCancelled || error is CancellationError { throw .cancelled }
            switch error {
            case let compacted as WatchCompacted: throw .compacted(compacted.revision)
            case let failure as EtcdGatewayFailure: throw .failed(failure)
            default: throw .failed(EtcdGatewayFailure("watch", "\(error)"))
            }
        }
    }

    /// Opens the watch and queues the events of each answer until the stream breaks; always ends by throwing.
    private func readWatch(
        from revision: Int64,
        into continuation: AsyncThrowingStream<WatchItem, any Error>.Continuation
    ) async throws {
        let body = try await self.gateway.watch(self.range, from: revision)
        var messages = NewlineDelimitedMessages()
        do {
            for try await chunk in body {
                for line in try messages.append(chunk) {
                    let events = try Self.events(of: line)
                    if !events.isEmpty { continuation.yield(.events(events)) }
                }
            }
        } catch let error as EtcdGatewayFailure {
            throw error
        } catch let error as WatchCompacted {
            throw error
        } catch {
            throw EtcdGatewayFailure("watch", error, timeout: self.timing.request)
        }
        throw EtcdGatewayFailure("watch", "ended")
    }

    /// The events of one watch answer; throws when the answer ends the watch.
    private static func events(of line: [UInt8]) throws -> [EtcdWatchEvent] {
        let message: EtcdWatchMessage
        do {
            message = try JSONDecoder().decode(EtcdWatchMessage.self, from: Data(line))
        } catch {
            throw EtcdGatewayFailure("watch", "malformed answer (\(EtcdGateway.decodingProblem(error)))")
        }
        if let error = message.error {
            throw EtcdGatewayFailure("watch", "error from etcd (\(error.message ?? "no message"))")
        }
        guard let result = message.result else {
            throw EtcdGatewayFailure("watch", "malformed answer (neither 'result' nor 'error')")
        }
        // A start revision etcd compacted away: the history the watch was to replay is gone.
        if result.compactRevision > 0 { throw WatchCompacted(revision: result.compactRevision) }
        if result.canceled {
            throw EtcdGatewayFailure("watch", "canceled by etcd (\(result.cancelReason ?? "no reason given"))")
        }
        return result.events
    }

    private func apply(_ events: [EtcdWatchEvent], to table: inout EtcdBackendTable) async {
        for event in events {
            let key = String(decoding: event.key, as: UTF8.self)
            switch event.kind {
            case .put: table.put(key, await EtcdBackendValue.backend(from: event.value, using: self.lookup))
            case .delete: table.delete(key)
            }
        }
    }

    private func publish(_ table: inout EtcdBackendTable) {
        let (backends, rejected) = table.snapshot()
        for entry in rejected {
            self.report.rejectedEntry(entry.key, entry.reason)
        }
        self.report.snapshot(backends)
    }
}

/// How a session ended.
enum EtcdSessionEnd: Error {
    /// The member failed to answer, or its watch broke.
    case failed(EtcdGatewayFailure)
    /// The watch's start revision was compacted between the read and the watch: read again at once.
    case compacted(Int64)
    /// The source's task was cancelled.
    case cancelled
}

/// A watch answer saying its start revision is older than etcd's compaction point.
struct WatchCompacted: Error {
    var revision: Int64
}
