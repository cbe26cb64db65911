package io.modelstash.store.catalog;

import java.util.function.Consumer;

/**
 * One-line notices of slow one-off steps the user did not ask for, such as upgrading a catalog's
 * schema, said before the step starts so that a pause has an explanation. They go to whoever
 * listens on the thread that runs the step (the command line prints them on standard error), and
 * nowhere otherwise. Listening is per thread because one process (the CLI's daemon) runs several
 * users' commands at once, each on its own thread.
 */
public final class Notices {
  private static final ThreadLocal<Consumer<String>> LISTENER = new ThreadLocal<>();

  private Notices() {}

  /** Listening on this thread until closed; restores what listened before. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Sends this thread's notices to {@code listener} until the returned scope is closed. */
  public static Scope to(Consumer<String> listener) {
    Consumer<String> previous = LISTENER.get();
    LISTENER.set(listener);
    return () -> {
      if (previous == null) {
        LISTENER.remove();
      } else {
        LISTENER.set(previous);
      }
    };
  }

  /** Tells this thread's listener, if any, about a step that is about to start. */
  public static void say(String notice) {
    Consumer<String> listener = LISTENER.get();
    if (listener != null) {
      listener.accept(notice);
    }
  }
}
