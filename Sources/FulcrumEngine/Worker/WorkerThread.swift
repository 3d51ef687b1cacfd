import CFulcrumSys
import Glibc

/// Starts a worker's event loop on its own POSIX thread and joins it. The worker object is handed to the thread and
/// from then on touched only there; the control plane talks to it through its mailbox.
struct WorkerThread: @unchecked Sendable {
    // pthread_t is a plain integer handle on Linux; joining is the only thing done with it, from the control plane.
    private let handle: pthread_t

    static func start(_ worker: Worker) throws(EngineError) -> WorkerThread {
        let argument = Unmanaged.passRetained(WorkerBox(worker)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { raw in
            let box = Unmanaged<WorkerBox>.fromOpaque(raw!).takeRetainedValue()
            fulcrum_set_thread_name("fulcrum-eng-\(box.worker.index)")
            box.worker.run()
            return nil
        }, argument)
        guard result == 0 else {
            Unmanaged<WorkerBox>.fromOpaque(argument).release()
            throw .threadStart(errno: result)
        }
        return WorkerThread(handle: handle)
    }

    func join() {
        pthread_join(self.handle, nil)
    }
}

/// Carries the worker across `pthread_create`'s untyped argument.
private final class WorkerBox {
    let worker: Worker
    init(_ worker: Worker) { self.worker = worker }
}
