package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Base of the commands that work on a store: opens it, runs, closes it. */
abstract class StoreCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws IOException {
    try (ModelStash stash = main.openStore()) {
      int code = run(stash);
      out().flush();
      return code;
    }
  }

  abstract int run(ModelStash stash) throws IOException;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  static ModelPath path(String text) {
    return ModelPath.parse(text);
  }

  static Ref ref(String text) {
    return Ref.parse(text);
  }
}
