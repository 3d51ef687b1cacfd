/// Runs `operation`, cancelling it and throwing `TimedOut` if `timeout` passes first. async-http-client's own
/// deadline ends when an answer's head arrives; this one also covers reading the body.
func withTimeout<T: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else { throw TimedOut() }
        return result
    }
}

/// `withTimeout`'s time ran out.
struct TimedOut: Error {}
