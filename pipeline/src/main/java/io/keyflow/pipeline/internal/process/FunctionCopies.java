package io.keyflow.pipeline.internal.process;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/**
 * Gives each key group its own instance of a user function, as Flink gives each parallel subtask
 * one: a function may keep fields (set in {@code open}) that must not be shared between key groups.
 * The copy goes through Java serialization, resolving classes with the function's own class loader
 * (a pipeline jar on the node's classpath).
 */
final class FunctionCopies {

  private FunctionCopies() {}

  @SuppressWarnings("unchecked")
  static <T> T copy(T prototype) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(prototype);
      }
      ClassLoader loader = prototype.getClass().getClassLoader();
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())) {
        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
          try {
            return Class.forName(desc.getName(), false, loader);
          } catch (ClassNotFoundException e) {
            return super.resolveClass(desc);
          }
        }
      }) {
        return (T) in.readObject();
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalArgumentException("the KeyedProcessFunction " + prototype.getClass().getName()
          + " cannot be copied for each key group (it and its fields must be java.io.Serializable;"
          + " an anonymous class also captures its enclosing instance): " + e, e);
    }
  }
}
